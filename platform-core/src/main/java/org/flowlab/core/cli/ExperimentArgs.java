package org.flowlab.core.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.flowlab.core.config.ConfigLoader;
import org.flowlab.core.config.LoadedConfig;
import picocli.CommandLine.Parameters;

/** The {@code <yaml> [key=value ...]} arguments shared by commands that read an experiment. */
final class ExperimentArgs {
  @Parameters(index = "0", paramLabel = "EXPERIMENT.yaml")
  Path yaml;

  @Parameters(
      index = "1..*",
      paramLabel = "KEY=VALUE",
      description = "Dotted overrides, e.g. training.optimizer.lr=3e-4.")
  List<String> overrides = new ArrayList<>();

  /** Loads and validates the YAML with the overrides applied. */
  LoadedConfig load() {
    return ConfigLoader.load(yaml, overrides);
  }
}
