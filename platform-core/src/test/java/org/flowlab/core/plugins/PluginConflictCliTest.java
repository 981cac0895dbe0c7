package org.flowlab.core.plugins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.flowlab.core.cli.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Through the CLI: two jars declaring one family are named by {@code plugins} and make {@code
 * validate} exit 2; files in the plugins folder that are not plugins cost one line each.
 */
class PluginConflictCliTest {
  @TempDir Path tmp;

  @Test
  void conflictsAndStrayFilesAreOneLineEach() throws Exception {
    Path plugins = Files.createDirectories(tmp.resolve("plugins"));
    for (String id : List.of("alpha", "beta")) {
      PluginJars.plugin(id)
          .source(
              "org.flowlab.plugins." + id + ".TwinFamily",
              PluginJars.family("org.flowlab.plugins." + id, "TwinFamily", "twin", id))
          .writeJar(plugins);
    }
    Files.writeString(plugins.resolve("notes.jar"), "not a jar");
    Files.writeString(plugins.resolve("README.txt"), "read me");
    try (var jar =
        new java.util.jar.JarOutputStream(
            Files.newOutputStream(plugins.resolve("library.jar")), new java.util.jar.Manifest())) {
      jar.putNextEntry(new java.util.jar.JarEntry("org/x/Util.class"));
      jar.write(new byte[] {1, 2, 3});
    }

    Cli.Result listed = Cli.run("--plugins-dir", plugins.toString(), "plugins");
    assertEquals(1, listed.code(), listed.out() + listed.err());
    assertTrue(
        listed
            .out()
            .contains(
                "conflict: family 'twin' is declared by plugin alpha (flowlab-alpha.jar) and"
                    + " plugin beta (flowlab-beta.jar)"),
        listed.out());
    assertFalse(listed.out().contains("FAILED"), listed.out());
    List<String> err = listed.err().lines().filter(l -> !l.startsWith("warning: started")).toList();
    assertEquals(2, err.size(), listed.err());
    assertTrue(
        err.contains(
            "warning: skipped "
                + plugins.resolve("library.jar")
                + ": not a plugin (no plugin.properties, no Plugin-Id in its manifest)"),
        listed.err());
    assertTrue(
        err.stream()
            .anyMatch(l -> l.startsWith("warning: skipped " + plugins.resolve("notes.jar") + ": ")),
        listed.err());

    Path yaml =
        Files.writeString(
            tmp.resolve("twin.yaml"), "name: t\ndata: {name: moons}\nmodel: {family: twin}\n");
    Cli.Result validated =
        Cli.run("--plugins-dir", plugins.toString(), "validate", yaml.toString());
    assertEquals(2, validated.code(), validated.err());
    assertTrue(
        validated
            .err()
            .contains(yaml + ":3:9: model.family: family 'twin' is declared by plugin alpha"),
        validated.err());
    assertTrue(validated.err().contains("plugin beta (flowlab-beta.jar)"), validated.err());
  }
}
