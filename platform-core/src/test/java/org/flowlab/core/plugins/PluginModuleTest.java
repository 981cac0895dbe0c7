package org.flowlab.core.plugins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.name.Names;
import java.nio.file.Path;
import org.flowlab.core.inject.PluginModule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PluginModule}: the host graph as the CLI builds it: one injector, the plugin host provided
 * from it.
 */
class PluginModuleTest {
  @TempDir Path plugins;

  @Test
  void providesOneStartedHostWhoseExtensionsSeeTheHostBindings() throws Exception {
    PluginHostTest.greeterPlugin().writeJar(plugins);
    Injector injector =
        Guice.createInjector(
            new PluginModule(plugins, false),
            binder -> binder.bindConstant().annotatedWith(Names.named("greeting")).to("hi"));

    try (PluginHost host = injector.getInstance(PluginHost.class)) {
      assertSame(host, injector.getInstance(PluginHost.class), "one host per injector");
      assertEquals("hi!", host.family("greeter").orElseThrow().description());
    }
  }
}
