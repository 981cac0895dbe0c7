package org.flowlab.core.cli;

import java.util.concurrent.Callable;
import org.flowlab.core.experiment.SweepRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code flowlab sweep-trial} (hidden): runs one trial of a sweep in this JVM. {@code flowlab
 * sweep} starts one such JVM per trial; it is not meant to be typed.
 */
@Command(
    name = SweepRunner.TRIAL_COMMAND,
    hidden = true,
    description = "Internal: run one sweep trial (started by flowlab sweep in its own JVM).")
final class SweepTrialCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Mixin ExperimentArgs experiment;

  @Option(names = "--trial", required = true, description = "The trial's index.")
  int index;

  @Option(names = "--trial-hash", required = true, description = "The trial's expected hash.")
  String hash;

  @Option(names = "--parent", required = true, description = "The sweep's parent run id.")
  String parentRunId;

  @Option(names = "--run", description = "The trial's run to continue.")
  String runId;

  @Option(names = "--host-pid", description = "Exit when this process (the sweep host) dies.")
  Long hostPid;

  @Override
  public Integer call() throws Exception {
    StopSignals.install();
    if (hostPid != null) {
      SweepRunner.exitWhenHostDies(hostPid);
    }
    main.injector()
        .getInstance(SweepRunner.class)
        .runTrial(
            experiment.load(),
            new SweepRunner.TrialTarget(index, hash, parentRunId, runId),
            System.out);
    return 0;
  }
}
