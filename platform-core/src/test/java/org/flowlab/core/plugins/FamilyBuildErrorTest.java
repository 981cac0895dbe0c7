package org.flowlab.core.plugins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.flowlab.core.cli.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A family that rejects its params in {@code build()} with {@code FamilyBuildException}: {@code
 * validate} (which builds the flow) and {@code run} exit 2 with the YAML location of {@code
 * model.params.<key>}, no stack trace.
 */
class FamilyBuildErrorTest {
  static final String PICKY =
      """
      package org.flowlab.plugins.picky;

      import org.flowlab.api.flow.Flow;
      import org.flowlab.api.spi.BuildContext;
      import org.flowlab.api.spi.FamilyBuildException;
      import org.flowlab.api.spi.FlowFamily;
      import org.pf4j.Extension;

      @Extension
      public class PickyFamily implements FlowFamily<PickyFamily.Config> {
        public record Config(Integer depth) {}

        public String name() { return "picky"; }
        public String description() { return "rejects depth > dimension"; }
        public Class<Config> configType() { return Config.class; }
        public Flow build(Config config, BuildContext context) {
          long d = context.eventShape().size();
          if (config.depth() != null && config.depth() > d) {
            throw new FamilyBuildException(
                "depth", "must be at most the data dimension " + d + ", got " + config.depth());
          }
          throw new UnsupportedOperationException("never trained in this test");
        }
      }
      """;

  @TempDir Path tmp;

  @Test
  void validateAndRunExitTwoAtTheParamsKey() throws Exception {
    Path plugins = Files.createDirectories(tmp.resolve("plugins"));
    PluginJars.plugin("picky")
        .source("org.flowlab.plugins.picky.PickyFamily", PICKY)
        .writeJar(plugins);
    Path yaml =
        Files.writeString(
            tmp.resolve("picky.yaml"),
            """
            name: picky
            data: {name: moons, train_size: 100, val_size: 10, test_size: 10}
            model:
              family: picky
              params:
                depth: 5
            training: {device: cpu, steps: 2}
            """);
    String expected =
        yaml + ":6:5: model.params.depth: must be at most the data dimension 2, got 5";
    for (String command : new String[] {"validate", "run"}) {
      Cli.Result r =
          Cli.run(
              "--plugins-dir",
              plugins.toString(),
              "--runs-dir",
              tmp.resolve("runs").toString(),
              command,
              yaml.toString());
      assertEquals(2, r.code(), command + ": " + r.err());
      assertTrue(r.err().contains("error: " + expected), command + ": " + r.err());
      assertTrue(
          r.err().lines().noneMatch(l -> l.startsWith("\tat ") || l.contains("--debug")),
          command + ": " + r.err());
    }
  }
}
