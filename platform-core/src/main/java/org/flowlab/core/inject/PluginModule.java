package org.flowlab.core.inject;

import com.google.inject.AbstractModule;
import com.google.inject.Injector;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import java.nio.file.Path;
import java.util.Objects;
import org.flowlab.core.plugins.PluginHost;

/**
 * Provides one {@link PluginHost} per injector, started on first use. Extensions get child
 * injectors of the injector this module is installed in, so they see every host binding. Whoever
 * creates the injector closes the host ({@code injector.getInstance(PluginHost.class).close()}).
 */
public final class PluginModule extends AbstractModule {
  private final Path pluginsDir;
  private final boolean development;

  /**
   * @param pluginsDir the folder with the plugin jars (or, in development mode, source modules)
   * @param development load {@code <pluginsDir>/<name>/target/classes} instead of jars
   */
  public PluginModule(Path pluginsDir, boolean development) {
    this.pluginsDir = Objects.requireNonNull(pluginsDir, "pluginsDir");
    this.development = development;
  }

  @Provides
  @Singleton
  PluginHost pluginHost(Injector injector) {
    PluginHost host = PluginHost.start(pluginsDir, development, injector);
    for (String file : host.skipped()) {
      System.err.println("warning: skipped " + file);
    }
    return host;
  }
}
