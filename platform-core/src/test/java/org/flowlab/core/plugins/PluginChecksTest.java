package org.flowlab.core.plugins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.flowlab.core.config.ConfigException;
import org.flowlab.core.config.ConfigLoader;
import org.flowlab.core.experiment.ResolvedModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real plugin jars, built on the fly, whose {@code plugin.requires} rules out this host's
 * platform-api, or that lack the extension index, fail with a reason that says so.
 */
class PluginChecksTest {
  @TempDir Path plugins;

  @Test
  void apiVersionIsTheReleaseOfThePlatformApiBuild() {
    assertTrue(PluginChecks.apiVersion().matches("\\d+\\.\\d+\\.\\d+"), PluginChecks.apiVersion());
  }

  @Test
  void pluginRequiresIsCheckedAgainstThePlatformApiVersionAndTheMismatchNamed() throws Exception {
    String api = PluginChecks.apiVersion();
    familyPlugin("future", "future-family", "plugin.requires=>=99.0.0\n");
    familyPlugin("exact", "exact-family", "plugin.requires=" + api + "\n");
    familyPlugin("range", "range-family", "plugin.requires=>=" + api + " & <99.0.0\n");
    familyPlugin("any", "any-family", "plugin.requires=*\n");
    familyPlugin("garbled", "garbled-family", "plugin.requires=banana\n");

    try (PluginHost host = PluginHost.start(plugins, false, PluginHostTest.hostInjector())) {
      assertEquals(
          List.of("any-family", "exact-family", "range-family"),
          List.copyOf(host.families().keySet()));
      Map<String, PluginSummary> failed = failuresById(host);
      assertEquals(List.of("future", "garbled"), failed.keySet().stream().sorted().toList());
      assertEquals(
          "plugin.requires '>=99.0.0' does not accept this host's platform-api " + api,
          failed.get("future").error());
      assertEquals(
          "plugin.requires 'banana' is not a version constraint (e.g. >=0.1.0)",
          failed.get("garbled").error());
    }
  }

  @Test
  void aJarWithoutAnExtensionIndexIsReportedAndNamedWhenItsFamilyIsAskedFor() throws Exception {
    PluginJars.plugin("noindex")
        .source(
            "org.flowlab.plugins.noindex.LostFamily",
            PluginJars.family("org.flowlab.plugins.noindex", "LostFamily", "lost", "x"))
        .withoutExtensionIndex()
        .writeJar(plugins);
    Path yaml =
        Files.writeString(
            plugins.resolveSibling(plugins.getFileName() + ".yaml"),
            "name: t\ndata:\n  name: moons\nmodel:\n  family: lost\n");

    try (PluginHost host = PluginHost.start(plugins, false, PluginHostTest.hostInjector())) {
      PluginSummary noindex = failuresById(host).get("noindex");
      assertEquals(PluginChecks.NO_EXTENSION_INDEX, noindex.error());
      assertEquals("FAILED", noindex.state());
      assertTrue(host.families().isEmpty());

      ConfigException e =
          assertThrows(
              ConfigException.class, () -> ResolvedModel.resolve(ConfigLoader.load(yaml), host));
      assertTrue(
          e.getMessage()
              .contains(
                  "unknown family 'lost' (no families installed; failed plugins: noindex: no"
                      + " extension index (META-INF/extensions.idx): was the annotation processor"
                      + " run?"),
          e.getMessage());
    } finally {
      Files.deleteIfExists(yaml);
    }
  }

  private void familyPlugin(String id, String familyName, String requiresLine) throws Exception {
    String pkg = "org.flowlab.plugins." + id;
    PluginJars.plugin(id)
        .rawProperties(
            "plugin.id=" + id + "\nplugin.version=1.0.0\nplugin.provider=tests\n" + requiresLine)
        .source(pkg + ".Family", PluginJars.family(pkg, "Family", familyName, "x"))
        .writeJar(plugins);
  }

  private static Map<String, PluginSummary> failuresById(PluginHost host) {
    return host.failures().stream()
        .collect(Collectors.toMap(PluginSummary::id, Function.identity()));
  }
}
