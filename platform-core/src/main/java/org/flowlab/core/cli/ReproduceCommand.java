package org.flowlab.core.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.flowlab.core.config.ConfigException;
import org.flowlab.core.config.ConfigLoader;
import org.flowlab.core.config.LoadedConfig;
import org.flowlab.core.experiment.ExperimentRunner;
import org.flowlab.core.experiment.TrackerFactory;
import org.flowlab.core.tracking.LocalRunStore;
import org.flowlab.core.tracking.RunSummary;
import org.flowlab.core.tracking.Tracker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code flowlab reproduce <run-id>}. */
@Command(
    name = "reproduce",
    mixinStandardHelpOptions = true,
    description = {
      "Rerun a finished run from its recorded config (same seed) into a new run tagged"
          + " flowlab.reproduces=<run-id>, then compare the final metrics (test/*, val/nll).",
      "Exit code 0 when they are bitwise identical, 1 otherwise."
    })
final class ReproduceCommand implements Callable<Integer> {
  /** Tag on the new run: the id of the run it reproduces. */
  static final String REPRODUCES = "flowlab.reproduces";

  @ParentCommand Main main;

  @Parameters(
      index = "0",
      paramLabel = "RUN",
      description = "Run id or unique id prefix (in --runs-dir), or the run's folder.")
  String runId;

  @Override
  public Integer call() throws Exception {
    StopSignals.install();
    TrackerFactory.FoundRun found =
        main.injector().getInstance(TrackerFactory.class).locate("reproduce " + runId, runId, null);
    LocalRunStore store = found.store();
    String id = found.id();
    RunSummary original = store.run(id).orElseThrow();
    if (original.status() != Tracker.Status.FINISHED) {
      throw new ConfigException(
          "reproduce " + runId, "", "run " + id + " is " + original.status() + ", not FINISHED");
    }
    Path config = store.runDir(id).resolve("config.yaml");
    if (!Files.exists(config)) {
      throw new ConfigException("reproduce " + runId, "", "the run has no recorded config.yaml");
    }
    LoadedConfig loaded = ConfigLoader.load(config);
    ExperimentRunner.Outcome outcome =
        main.injector()
            .getInstance(ExperimentRunner.class)
            .run(
                loaded,
                new ExperimentRunner.Target(null, "reproduce-" + id, null, Map.of(REPRODUCES, id)),
                System.out);
    RunSummary again =
        new LocalRunStore(outcome.runDir().getParent()).run(outcome.runId()).orElseThrow();
    Map<String, Double> a = finalMetrics(original);
    Map<String, Double> b = finalMetrics(again);
    TreeSet<String> keys = new TreeSet<>(a.keySet());
    keys.addAll(b.keySet());
    int differ = 0;
    StringBuilder report = new StringBuilder();
    for (String k : keys) {
      Double x = a.get(k);
      Double y = b.get(k);
      boolean same =
          x != null && y != null && Double.doubleToLongBits(x) == Double.doubleToLongBits(y);
      if (!same) {
        differ++;
        report.append(
            String.format(
                Locale.ROOT,
                "  %-26s %s -> %s%s%n",
                k,
                x,
                y,
                x != null && y != null ? String.format(Locale.ROOT, " (diff %.3g)", y - x) : ""));
      }
    }
    if (differ == 0 && !keys.isEmpty()) {
      System.out.printf(
          Locale.ROOT,
          "identical: run %s reproduces %s (%d final metrics bitwise equal)%n",
          outcome.runId(),
          id,
          keys.size());
      return 0;
    }
    System.out.printf(
        Locale.ROOT,
        "different: run %s vs %s, %d of %d final metrics differ:%n%s",
        outcome.runId(),
        id,
        differ,
        keys.size(),
        report);
    return 1;
  }

  /** The final value of every {@code test/*} metric and {@code val/nll}. */
  private static Map<String, Double> finalMetrics(RunSummary run) {
    Map<String, Double> out = new TreeMap<>();
    run.latestMetrics()
        .forEach(
            (k, v) -> {
              if (k.startsWith("test/") || k.equals("val/nll")) {
                out.put(k, v);
              }
            });
    return out;
  }
}
