package org.flowlab.core.plugins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.Guice;
import java.nio.file.Files;
import java.nio.file.Path;
import org.flowlab.api.target.TargetDensity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plugin's {@link TargetDensity} is found by the host beside the built-in targets; one that takes
 * a built-in name fails its plugin with the reason.
 */
class PluginTargetTest {
  @TempDir Path tmp;

  private static String target(String cls, String name) {
    return """
        package org.flowlab.plugins.posterior;

        import org.flowlab.api.target.Target;
        import org.flowlab.api.target.TargetDensity;
        import org.pf4j.Extension;

        @Extension
        public class %s implements TargetDensity<%s.Config> {
          public record Config(Double scale) {}

          public String name() { return "%s"; }
          public String description() { return "a posterior"; }
          public Class<Config> configType() { return Config.class; }
          public Target build(Config config, Integer dim) {
            throw new UnsupportedOperationException();
          }
        }
        """
        .formatted(cls, cls, name);
  }

  @Test
  void aPluginTargetJoinsTheBuiltInsAndABuiltInNameIsRefused() throws Exception {
    Path plugins = Files.createDirectories(tmp.resolve("plugins"));
    PluginJars.plugin("posterior")
        .source("org.flowlab.plugins.posterior.Logistic", target("Logistic", "logistic"))
        .writeJar(plugins);
    PluginJars.plugin("shadow")
        .source("org.flowlab.plugins.posterior.Shadow", target("Shadow", "u1"))
        .writeJar(plugins);
    try (PluginHost host = PluginHost.start(plugins, false, Guice.createInjector())) {
      assertEquals("a posterior", host.targets().get("logistic").description());
      assertTrue(host.targets().get("u1").description().contains("Rezende"), "the built-in U1");
      PluginSummary shadow =
          host.failures().stream().filter(p -> p.id().equals("shadow")).findFirst().orElseThrow();
      assertEquals("declares target 'u1', which is already registered", shadow.error());
    }
  }
}
