package org.flowlab.core.cli;

import java.util.concurrent.Callable;
import org.flowlab.core.experiment.SlurmException;
import org.flowlab.core.experiment.SweepRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code flowlab sweep <yaml> [key=value ...] [--retry-failed]}. */
@Command(
    name = "sweep",
    mixinStandardHelpOptions = true,
    description = {
      "Run the trials of the experiment's sweep block as child runs of one parent run.",
      "Each trial trains in its own JVM, sweep.workers at a time (default: one per core), with"
          + " OMP_NUM_THREADS = MKL_NUM_THREADS = max(1, cores / workers); its output goes to"
          + " logs/ in the parent run's folder.",
      "Rerunning the same command continues the sweep: finished trials are skipped, interrupted"
          + " ones continue from their last checkpoint. Exit code 1 when a trial failed.",
      "sweep.launcher=slurm submits the trials as one Slurm job array instead (sweep.slurm:"
          + " partition, time, cpus_per_task, mem, gpus, account, qos, extra, max_concurrent);"
          + " the runs folder must be on a filesystem the nodes share."
    })
final class SweepCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Mixin ExperimentArgs experiment;

  @Option(
      names = "--retry-failed",
      description = "Also rerun trials that FAILED before (continuing their own run).")
  boolean retryFailed;

  @Option(
      names = "--detach",
      description =
          "With sweep.launcher: slurm, return once the job array is submitted; the same command"
              + " later shows progress and writes the summary.")
  boolean detach;

  @Override
  public Integer call() throws Exception {
    SweepRunner.Result result;
    try {
      result =
          main.injector()
              .getInstance(SweepRunner.class)
              .run(
                  experiment.load(),
                  new SweepRunner.Launch(
                      Main.class.getName(),
                      main.globalOptions(),
                      experiment.yaml,
                      experiment.overrides),
                  retryFailed,
                  detach,
                  System.out);
    } catch (SlurmException e) {
      System.err.println("error: " + e.getMessage());
      return 1;
    }
    if (result.detached()) {
      return 0;
    }
    if (result.failed() > 0) {
      System.err.println(
          "error: " + result.failed() + " of " + result.trials().size() + " trials did not finish");
      return 1;
    }
    return 0;
  }
}
