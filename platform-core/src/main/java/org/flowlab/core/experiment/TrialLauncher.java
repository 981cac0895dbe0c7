package org.flowlab.core.experiment;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import org.flowlab.core.tracking.RunSummary;
import org.flowlab.core.tracking.TrackedRun;

/**
 * Where a sweep's trials run: {@link LocalTrialLauncher} (child JVMs of the host) or {@link
 * SlurmTrialLauncher} (a Slurm job array). Either way a trial runs the same command ({@link
 * SweepTrialProcess#command}) into its child run of the sweep's parent.
 */
interface TrialLauncher {
  /**
   * Runs the trials that have not finished and waits for them (unless detached).
   *
   * @param todo the trials to run, in order
   * @param children the parent's child runs so far, by trial hash
   * @param parent the sweep's parent run (trial logs go to its {@code logs/})
   * @param total how many trials the sweep has
   * @return what happened
   */
  Launched launch(
      List<SweepPlan.Trial> todo,
      Map<String, RunSummary> children,
      TrackedRun parent,
      int total,
      PrintStream out)
      throws Exception;

  /**
   * The outcome of {@link #launch}.
   *
   * @param failures why a trial's process failed, by trial index (a run left RUNNING is then marked
   *     FAILED with it; a trial without a run shows it in the summary)
   * @param detached true when the host returned without waiting (the trials run on)
   */
  record Launched(Map<Integer, String> failures, boolean detached) {}

  /** Prints one line at a time from any thread. */
  static void println(PrintStream out, String line) {
    synchronized (out) {
      out.println(line);
    }
  }
}
