package org.flowlab.core.plugins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.name.Names;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.flowlab.api.config.Require;
import org.flowlab.api.spi.FlowFamily;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loads real plugin jars, built on the fly, from a temporary plugins folder. */
class PluginHostTest {
  static final String GREETING = "hello from the host";

  @TempDir Path plugins;

  /** The host injector: binds a service that extensions inject. */
  static Injector hostInjector() {
    return Guice.createInjector(
        binder -> binder.bindConstant().annotatedWith(Names.named("greeting")).to(GREETING));
  }

  /**
   * A plugin whose family injects the host's {@code @Named("greeting")} and a
   * {@code @Named("suffix")} that its own Plugin class binds (it doubles as a Guice module).
   */
  static PluginJars.Builder greeterPlugin() {
    return PluginJars.plugin("good")
        .version("2.3.4")
        .pluginClass("org.flowlab.plugins.good.GoodPlugin")
        .source(
            "org.flowlab.plugins.good.GoodPlugin",
            """
            package org.flowlab.plugins.good;

            import com.google.inject.Binder;
            import com.google.inject.Module;
            import com.google.inject.name.Names;
            import org.pf4j.Plugin;

            public class GoodPlugin extends Plugin implements Module {
              @Override
              public void configure(Binder binder) {
                binder.bindConstant().annotatedWith(Names.named("suffix")).to("!");
              }
            }
            """)
        .source(
            "org.flowlab.plugins.good.GreeterFamily",
            """
            package org.flowlab.plugins.good;

            import jakarta.inject.Inject;
            import jakarta.inject.Named;
            import org.flowlab.api.flow.Flow;
            import org.flowlab.api.spi.BuildContext;
            import org.flowlab.api.spi.FlowFamily;
            import org.pf4j.Extension;

            @Extension
            public class GreeterFamily implements FlowFamily<GreeterFamily.Config> {
              public record Config(int depth) {}

              private final String greeting;

              @Inject
              public GreeterFamily(@Named("greeting") String greeting,
                                   @Named("suffix") String suffix) {
                this.greeting = greeting + suffix;
              }

              public String name() { return "greeter"; }
              public String description() { return greeting; }
              public Class<Config> configType() { return Config.class; }
              public Flow build(Config config, BuildContext context) {
                throw new UnsupportedOperationException();
              }
            }
            """);
  }

  static Map<String, PluginSummary> byId(PluginHost host) {
    return host.plugins().stream()
        .collect(Collectors.toMap(PluginSummary::id, Function.identity()));
  }

  @Test
  void goodPluginsFamilyIsFoundByNameWithHostServiceInjected() throws Exception {
    greeterPlugin().writeJar(plugins);

    try (PluginHost host = PluginHost.start(plugins, false, hostInjector())) {
      FlowFamily<?> greeter = host.family("greeter").orElseThrow();
      assertEquals(GREETING + "!", greeter.description(), "host and plugin bindings injected");
      assertEquals(Set.of("greeter"), host.families().keySet());
      assertNotSame(
          PluginHost.class.getClassLoader(),
          greeter.getClass().getClassLoader(),
          "the family comes from its plugin's class loader");
      assertEquals(
          List.of(new PluginSummary("good", "2.3.4", "STARTED", List.of("greeter"), null)),
          host.plugins());
      assertEquals(List.of(), host.failures());
      assertEquals("2.3.4", host.versionOf("greeter").orElseThrow());
      assertTrue(host.family("nope").isEmpty());
    }
  }

  @Test
  void brokenPluginsAreReportedWhileAGoodOneBesideThemWorks() throws Exception {
    greeterPlugin().writeJar(plugins);
    PluginJars.plugin("throws")
        .source(
            "org.flowlab.plugins.throwing.ThrowingFamily",
            PluginJars.family("org.flowlab.plugins.throwing", "ThrowingFamily", "thrower", "x")
                .replace(
                    "public record Config(int depth) {}",
                    """
                    public record Config(int depth) {}
                    public ThrowingFamily() { throw new IllegalStateException("boom at construction"); }
                    """))
        .writeJar(plugins);
    PluginJars.plugin("missing")
        .source(
            "org.flowlab.plugins.missing.GoneFamily",
            PluginJars.family("org.flowlab.plugins.missing", "GoneFamily", "gone", "x"))
        .omitClass("org.flowlab.plugins.missing.GoneFamily")
        .writeJar(plugins);
    PluginJars.plugin("badclass")
        .pluginClass("org.flowlab.plugins.nowhere.NoPlugin")
        .writeJar(plugins);
    PluginJars.plugin("nodescriptor").rawProperties("plugin.version=1.0.0\n").writeJar(plugins);

    try (PluginHost host = PluginHost.start(plugins, false, hostInjector())) {
      assertEquals(GREETING + "!", host.family("greeter").orElseThrow().description());
      assertEquals(Set.of("greeter"), host.families().keySet(), "no family from a failed plugin");

      Map<String, PluginSummary> all = byId(host);
      assertNull(all.get("good").error());
      assertEquals(
          Set.of("throws", "missing", "badclass", "flowlab-nodescriptor.jar"),
          host.failures().stream().map(PluginSummary::id).collect(Collectors.toSet()));
      for (PluginSummary failed : host.failures()) {
        assertEquals("FAILED", failed.state());
        assertEquals(List.of(), failed.families());
        assertTrue(failed.failed());
        assertTrue(!failed.error().contains("\n"), "one-line reason: " + failed.error());
      }
      assertContains(all.get("throws").error(), "ThrowingFamily", "boom at construction");
      assertContains(all.get("missing").error(), "org.flowlab.plugins.missing.GoneFamily");
      assertContains(all.get("badclass").error(), "org.flowlab.plugins.nowhere.NoPlugin");
      assertContains(all.get("flowlab-nodescriptor.jar").error(), "id");
    }
  }

  @Test
  void sharedPackagesComeFromTheHostEvenWhenAPluginBundlesThem() throws Exception {
    PluginJars.plugin("bundler")
        .source(
            "org.flowlab.plugins.bundler.BundledFamily",
            PluginJars.family("org.flowlab.plugins.bundler", "BundledFamily", "bundled", "b"))
        .bundleCopyOf(FlowFamily.class)
        .bundleCopyOf(Require.class)
        .bundleCopyOf(PluginJars.class) // not shared: must stay plugin-first
        .writeJar(plugins);

    try (PluginHost host = PluginHost.start(plugins, false, hostInjector())) {
      FlowFamily<?> family = host.family("bundled").orElseThrow();
      ClassLoader pluginLoader = family.getClass().getClassLoader();
      assertSame(FlowFamily.class, pluginLoader.loadClass(FlowFamily.class.getName()));
      assertSame(Require.class, pluginLoader.loadClass(Require.class.getName()));
      Class<?> ownCopy = pluginLoader.loadClass(PluginJars.class.getName());
      assertNotEquals(PluginJars.class, ownCopy, "other packages load plugin-first");
      assertSame(pluginLoader, ownCopy.getClassLoader());
    }
  }

  @Test
  void deploymentModeLoadsOnlyJarsAndDevelopmentModeOnlySourceModules() throws Exception {
    PluginJars.plugin("twin")
        .source(
            "org.flowlab.plugins.twin.JarFamily",
            PluginJars.family("org.flowlab.plugins.twin", "JarFamily", "from-jar", "jar"))
        .writeJar(plugins);
    // A source module with the same plugin id beside the jar, as plugins/realnvp/ sits beside
    // plugins/flowlab-realnvp.jar: loading both would clash.
    PluginJars.plugin("twin")
        .source(
            "org.flowlab.plugins.twin.DevFamily",
            PluginJars.family("org.flowlab.plugins.twin", "DevFamily", "from-source", "dev"))
        .writeSourceModule(plugins);
    Files.createDirectories(plugins.resolve("not-a-plugin")); // no plugin.properties: skipped

    try (PluginHost host = PluginHost.start(plugins, false, hostInjector())) {
      assertEquals(Set.of("from-jar"), host.families().keySet());
      assertEquals(List.of("twin"), host.plugins().stream().map(PluginSummary::id).toList());
      assertEquals(List.of(), host.failures());
    }
    try (PluginHost host = PluginHost.start(plugins, true, hostInjector())) {
      assertEquals(Set.of("from-source"), host.families().keySet());
      assertEquals(List.of(), host.failures());
    }
  }

  @Test
  void zipPluginsLoadInDeploymentModeAndTheirExpandedFolderIsNotASourceModule() throws Exception {
    PluginJars.plugin("zipped")
        .source(
            "org.flowlab.plugins.zipped.ZippedFamily",
            PluginJars.family("org.flowlab.plugins.zipped", "ZippedFamily", "zipped", "z"))
        .writeZip(plugins);

    try (PluginHost host = PluginHost.start(plugins, false, hostInjector())) {
      assertEquals(Set.of("zipped"), host.families().keySet());
      assertEquals(List.of(), host.failures());
    }
    assertTrue(Files.isDirectory(plugins.resolve("flowlab-zipped")), "PF4J expands the zip");
    try (PluginHost host = PluginHost.start(plugins, true, hostInjector())) {
      assertEquals(List.of(), host.plugins(), "development mode loads source modules only");
    }
  }

  @Test
  void aFamilyNameTwoPluginsDeclareIsAConflictNamingBothAndNeitherFails() throws Exception {
    // "alpha" sorts before "realnvp": before, the impostor took the family and the real one failed.
    PluginJars.plugin("realnvp")
        .source(
            "org.flowlab.plugins.realnvp.Real",
            PluginJars.family("org.flowlab.plugins.realnvp", "Real", "realnvp", "real"))
        .source(
            "org.flowlab.plugins.realnvp.Other",
            PluginJars.family("org.flowlab.plugins.realnvp", "Other", "other", "other"))
        .writeJar(plugins);
    PluginJars.plugin("alpha")
        .source(
            "org.flowlab.plugins.alpha.Impostor",
            PluginJars.family("org.flowlab.plugins.alpha", "Impostor", "realnvp", "impostor"))
        .writeJar(plugins);

    try (PluginHost host = PluginHost.start(plugins, false, hostInjector())) {
      assertEquals(List.of(), host.failures(), "neither plugin is marked failed");
      assertTrue(host.family("realnvp").isEmpty(), "the contested family is bound to neither");
      assertEquals("other", host.family("other").orElseThrow().description());
      List<String> claimants = host.conflicts().get("realnvp");
      assertEquals(2, claimants.size(), host.conflicts().toString());
      assertContains(
          String.join(" ", claimants),
          "plugin alpha (flowlab-alpha.jar)",
          "plugin realnvp (flowlab-realnvp.jar)");
    }
  }

  @Test
  void aPluginWithAMissingDependencyFailsAloneAndTheOthersStillResolve() throws Exception {
    greeterPlugin().writeJar(plugins);
    PluginJars.plugin("needy")
        .rawProperties("plugin.id=needy\nplugin.version=1.0.0\nplugin.dependencies=ghost\n")
        .source(
            "org.flowlab.plugins.needy.NeedyFamily",
            PluginJars.family("org.flowlab.plugins.needy", "NeedyFamily", "needy", "n"))
        .writeJar(plugins);

    try (PluginHost host = PluginHost.start(plugins, false, hostInjector())) {
      assertEquals(Set.of("greeter"), host.families().keySet());
      assertEquals(List.of("needy"), host.failures().stream().map(PluginSummary::id).toList());
      assertContains(host.failures().get(0).error(), "unresolved dependencies", "ghost");
    }
  }

  @Test
  void aMissingPluginsFolderIsAClearError() {
    Path nowhere = plugins.resolve("nowhere");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> PluginHost.start(nowhere, false, hostInjector()));
    assertEquals("plugins directory not found: " + nowhere, e.getMessage());
  }

  static void assertContains(String text, String... parts) {
    for (String part : parts) {
      assertTrue(text != null && text.contains(part), "expected '" + part + "' in: " + text);
    }
  }
}
