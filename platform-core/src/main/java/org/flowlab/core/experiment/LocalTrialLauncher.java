package org.flowlab.core.experiment;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.flowlab.core.tracking.RunSummary;
import org.flowlab.core.tracking.TrackedRun;

/**
 * {@code sweep.launcher: local}: each trial in a child JVM of the host ({@link SweepTrialProcess}),
 * {@code sweep.workers} at a time; a host stopped by a signal stops its children, and a child exits
 * when its host dies.
 */
final class LocalTrialLauncher implements TrialLauncher {
  private final SweepRunner.Launch launch;
  private final int workers;

  LocalTrialLauncher(SweepRunner.Launch launch, int workers) {
    this.launch = launch;
    this.workers = workers;
  }

  @Override
  public Launched launch(
      List<SweepPlan.Trial> todo,
      Map<String, RunSummary> children,
      TrackedRun parent,
      int total,
      PrintStream out)
      throws Exception {
    Map<Integer, String> failures = new ConcurrentHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(workers);
    try (SweepTrialProcess processes = new SweepTrialProcess(launch, workers)) {
      if (!todo.isEmpty()) {
        out.printf(
            Locale.ROOT,
            "each trial in its own JVM with %d intra-op thread(s); logs in %s%n",
            processes.threads(),
            parent.dir().resolve("logs"));
      }
      List<Future<?>> futures = new ArrayList<>();
      for (SweepPlan.Trial t : todo) {
        RunSummary child = children.get(t.hash());
        String existingId = child == null ? null : child.id();
        futures.add(
            pool.submit(
                () -> {
                  String why;
                  try {
                    why = runChild(processes, t, existingId, parent, total, out);
                  } catch (IOException e) { // e.g. java could not be started
                    why = String.valueOf(e);
                    TrialLauncher.println(out, "[trial " + (t.index() + 1) + "] FAILED: " + why);
                  }
                  if (why != null && !processes.stopping()) {
                    failures.put(t.index(), why);
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
      if (processes.stopping()) {
        throw new IOException("sweep stopped: rerun the same command to continue it");
      }
    } finally {
      pool.shutdownNow();
    }
    return new Launched(failures, false);
  }

  /** Runs one trial in a child JVM; returns null when it finished, else why not. */
  private static String runChild(
      SweepTrialProcess processes,
      SweepPlan.Trial t,
      String existingId,
      TrackedRun parent,
      int total,
      PrintStream out)
      throws IOException, InterruptedException {
    if (processes.stopping()) {
      return "stopped";
    }
    String prefix = String.format(Locale.ROOT, "[trial %d/%d] ", t.index() + 1, total);
    Path log = parent.dir().resolve("logs").resolve(t.runName() + ".log");
    TrialLauncher.println(
        out,
        prefix
            + (existingId == null ? "starting " : "continuing " + existingId + " ")
            + t.values());
    long start = System.nanoTime();
    String why = processes.run(t, existingId, parent.id(), log);
    if (why == null) {
      TrialLauncher.println(
          out,
          String.format(
              Locale.ROOT, "%sfinished in %.1f s", prefix, (System.nanoTime() - start) / 1e9));
    } else if (!processes.stopping()) {
      TrialLauncher.println(out, prefix + "FAILED: " + why);
    }
    return why;
  }
}
