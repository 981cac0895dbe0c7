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
    validateAndRunExitTwo(
        plugins,
        yaml,
        yaml + ":6:5: model.params.depth: must be at most the data dimension 2, got 5");
  }

  /** {@code validate} and {@code run} both exit 2 with {@code expected}, no stack trace. */
  private void validateAndRunExitTwo(Path plugins, Path yaml, String expected) throws Exception {
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

  static final String PLAIN =
      """
      package org.flowlab.plugins.plain;

      import java.util.List;
      import org.flowlab.api.distribution.StandardNormal;
      import org.flowlab.api.flow.Flow;
      import org.flowlab.api.spi.BuildContext;
      import org.flowlab.api.spi.FlowFamily;
      import org.pf4j.Extension;

      @Extension
      public class PlainFamily implements FlowFamily<PlainFamily.Config> {
        public record Config(Integer unused) {}

        public String name() { return "plain"; }
        public String description() { return "the base alone, never conditional"; }
        public Class<Config> configType() { return Config.class; }
        public Flow build(Config config, BuildContext context) {
          return new Flow(
              context.eventShape(), new StandardNormal(), List.of(), context.parameters().parameters());
        }
      }
      """;

  /** Conditional data for a family whose flow reads no context: exit 2 at data.condition. */
  @Test
  void aFamilyWithoutContextIsRefusedAtTheDataCondition() throws Exception {
    Path plugins = Files.createDirectories(tmp.resolve("plugins"));
    PluginJars.plugin("plain")
        .source("org.flowlab.plugins.plain.PlainFamily", PLAIN)
        .writeJar(plugins);
    Path yaml =
        Files.writeString(
            tmp.resolve("plain.yaml"),
            """
            name: plain
            data:
              name: 8gaussians
              condition: component
              train_size: 100
              val_size: 10
              test_size: 10
            model: {family: plain}
            training: {device: cpu, steps: 2}
            """);
    validateAndRunExitTwo(
        plugins,
        yaml,
        yaml
            + ":4:3: data.condition: family 'plain' takes no context: conditional flows are realnvp"
            + " (vectors), maf, iaf and nsf");
  }
}
