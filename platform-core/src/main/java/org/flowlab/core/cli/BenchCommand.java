package org.flowlab.core.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.flowlab.core.config.LoadedConfig;
import org.flowlab.core.experiment.TrainBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code flowlab bench <yaml>}: training throughput of an experiment's model, in steps/s at its
 * batch size, measured after warmup steps, with nothing tracked.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description =
        "Measure train steps/s of an experiment's model (after warmup; nothing is tracked).")
final class BenchCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Mixin ExperimentArgs experiment;

  @Option(names = "--warmup", description = "Untimed steps first (default: ${DEFAULT-VALUE}).")
  int warmup = 50;

  @Option(names = "--steps", description = "Timed steps (default: ${DEFAULT-VALUE}).")
  int steps = 300;

  @Option(
      names = "--repeats",
      description = "Timed repetitions; the median is reported (default: ${DEFAULT-VALUE}).")
  int repeats = 3;

  @Override
  public Integer call() throws Exception {
    LoadedConfig loaded = experiment.load();
    Path scratch = Files.createTempDirectory("flowlab-bench");
    var bench = main.injector().getInstance(TrainBenchmark.class);
    System.out.println(bench.measure(loaded, warmup, steps, repeats, scratch));
    return 0;
  }
}
