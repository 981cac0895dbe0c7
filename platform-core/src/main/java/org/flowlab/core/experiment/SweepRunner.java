package org.flowlab.core.experiment;

import jakarta.inject.Inject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.flowlab.core.config.ConfigException;
import org.flowlab.core.config.LoadedConfig;
import org.flowlab.core.config.SweepConfig;
import org.flowlab.core.plugins.PluginHost;
import org.flowlab.core.tracking.LocalRunStore;
import org.flowlab.core.tracking.MlflowTracker;
import org.flowlab.core.tracking.RunSummary;
import org.flowlab.core.tracking.TrackedRun;
import org.flowlab.core.tracking.Tracker;

/**
 * {@code flowlab sweep}: runs the trials of a {@link SweepPlan} as child runs of one parent run,
 * each in its own JVM through {@link ExperimentRunner}: locally with {@code sweep.workers} trials
 * at a time ({@link LocalTrialLauncher}, default one per core; processes side by side are bitwise
 * reproducible, threads of one JVM are not), or as a Slurm job array ({@link SlurmTrialLauncher},
 * {@code sweep.launcher: slurm}). A trial's output goes to {@code logs/trial-<i>-<hash>.log} in the
 * parent run's folder.
 *
 * <p>Resumable: the parent is found again by its tag {@value #SWEEP_HASH} (or its name {@code
 * sweep-<hash>}, written atomically with the run), and each trial's child by {@value #TRIAL_HASH}
 * (or its name {@code trial-<i>-<hash>}). A rerun skips FINISHED trials, continues RUNNING (killed)
 * ones from their last checkpoint, leaves FAILED ones alone unless asked to retry them, and never
 * starts a second child for a trial.
 */
public final class SweepRunner {
  /**
   * Parent tag: the hash of the sweep's resolved config without {@code sweep.workers} (a sweep
   * continued with more or fewer workers is the same sweep).
   */
  public static final String SWEEP_HASH = "flowlab.sweep_hash";

  /** Child tag: the hash of the trial's resolved config. */
  public static final String TRIAL_HASH = "flowlab.trial_hash";

  /** Parent tag: the best trial's run id. */
  public static final String BEST_RUN_ID = "flowlab.best_run_id";

  /** Parent tag: the best trial's metric value. */
  public static final String BEST_METRIC = "flowlab.best_metric";

  /** Tag holding why a run failed. */
  public static final String FAILURE = "flowlab.failure";

  /** The hidden CLI command that runs one trial in a child JVM. */
  public static final String TRIAL_COMMAND = "sweep-trial";

  private final ExperimentRunner runner;
  private final TrackerFactory trackers;
  private final PluginHost plugins;

  /** Wired by Guice. */
  @Inject
  public SweepRunner(ExperimentRunner runner, TrackerFactory trackers, PluginHost plugins) {
    this.runner = runner;
    this.trackers = trackers;
    this.plugins = plugins;
  }

  /**
   * One trial in the summary.
   *
   * @param trial the trial
   * @param runId its child run's id, or null when it never got a run
   * @param status the child's status (FAILED when it never got a run)
   * @param metric the sweep metric's final value, or null
   * @param failure why it failed, or null
   */
  public record TrialResult(
      SweepPlan.Trial trial, String runId, Tracker.Status status, Double metric, String failure) {}

  /**
   * A finished sweep.
   *
   * @param parentRunId the parent run's id
   * @param trials every trial, best first (failed and unfinished last)
   * @param ran how many trials this invocation ran (the others were finished or failed before)
   * @param summaryCsv the summary file in the parent run's folder (null when detached)
   * @param detached the host submitted the trials to Slurm and returned (no summary yet)
   */
  public record Result(
      String parentRunId, List<TrialResult> trials, int ran, Path summaryCsv, boolean detached) {
    /** The trials that did not finish. */
    public long failed() {
      return trials.stream().filter(t -> t.status() != Tracker.Status.FINISHED).count();
    }
  }

  /**
   * How to start the CLI again for one trial: {@code java <this JVM's options> -cp <classpath>
   * <mainClass> <globalOptions> sweep-trial ... -- <yaml> <overrides>}.
   *
   * @param mainClass the CLI's main class
   * @param globalOptions the options placed before the command (plugins, runs folder, ...)
   * @param yaml the sweep's experiment file
   * @param overrides the sweep's overrides
   */
  public record Launch(
      String mainClass, List<String> globalOptions, Path yaml, List<String> overrides) {
    /** Defensive copies. */
    public Launch {
      globalOptions = List.copyOf(globalOptions);
      overrides = List.copyOf(overrides);
    }
  }

  /**
   * Which trial a child JVM runs.
   *
   * @param index the trial's index in the sweep
   * @param hash the trial's hash the host expects (the sweep file must not have changed)
   * @param parentRunId the sweep's parent run
   * @param existingRunId the trial's run to continue, or null for a new one
   */
  public record TrialTarget(int index, String hash, String parentRunId, String existingRunId) {}

  /**
   * Runs (or continues) the sweep of {@code base}, the config {@code launch} loads.
   *
   * @param retryFailed also rerun trials whose child run FAILED (continuing that same run)
   * @param detach with {@code launcher: slurm}, return once the job array is submitted
   */
  public Result run(
      LoadedConfig base, Launch launch, boolean retryFailed, boolean detach, PrintStream out)
      throws Exception {
    List<SweepPlan.Trial> trials = SweepPlan.expand(base);
    ResolvedModel.resolve(base, plugins);
    for (SweepPlan.Trial t : trials) {
      ResolvedModel.resolve(t.config(), plugins); // validates the family; hash covers its params
    }
    SweepConfig sweep = base.config().sweep();
    // The sweep's identity: its resolved config, less how and where its trials run.
    com.fasterxml.jackson.databind.node.ObjectNode identity = base.resolvedTree();
    identity.withObject("/sweep").remove(List.of("workers", "launcher", "slurm"));
    String sweepHash = LoadedConfig.hash(identity);
    String parentName = "sweep-" + sweepHash.substring(0, 12);
    LocalRunStore store = trackers.storeFor(base.config().tracking());

    try (Tracker tracker = trackers.create(base.config().tracking())) {
      Optional<RunSummary> existing =
          store.listRuns().stream()
              .filter(r -> r.parentRunId() == null)
              .filter(
                  r -> sweepHash.equals(r.tags().get(SWEEP_HASH)) || parentName.equals(r.name()))
              .findFirst();
      TrackedRun parent;
      if (existing.isPresent()) {
        parent = tracker.resume(existing.get().id()).orElseThrow();
        out.println("continuing sweep " + parent.id() + " (" + tracker.describe() + ")");
      } else {
        parent = tracker.start(base.config().tracking().experiment(), parentName, null);
        out.println("sweep " + parent.id() + " (" + tracker.describe() + ")");
      }
      Map<String, String> tags = new LinkedHashMap<>();
      tags.put(SWEEP_HASH, sweepHash);
      tags.put("flowlab.sweep_trials", Integer.toString(trials.size()));
      tags.put("flowlab.sweep_metric", sweep.metric());
      tags.put("flowlab.sweep_goal", sweep.goal());
      parent.setTags(tags);
      Path configFile = parent.dir().resolve("config.yaml");
      if (!Files.exists(configFile)) {
        Files.writeString(configFile, base.resolvedYaml(), StandardCharsets.UTF_8);
        parent.logArtifact(configFile, "");
        parent.logParams(base.flatParams());
      }

      Map<String, RunSummary> children = children(store, parent.id(), trials);
      List<SweepPlan.Trial> todo = new ArrayList<>();
      for (SweepPlan.Trial t : trials) {
        RunSummary child = children.get(t.hash());
        if (child == null
            || child.status() == Tracker.Status.RUNNING
            || child.status() == Tracker.Status.KILLED
            || (child.status() == Tracker.Status.FAILED && retryFailed)) {
          todo.add(t);
        }
      }
      out.printf(
          Locale.ROOT,
          "%d trials: %d to run, %d done before; %s%n",
          trials.size(),
          todo.size(),
          trials.size() - todo.size(),
          sweep.onSlurm() ? "Slurm job array" : sweep.workers() + " workers");
      Map<Integer, String> noRun = new java.util.concurrent.ConcurrentHashMap<>();
      TrialLauncher launcher =
          sweep.onSlurm()
              ? new SlurmTrialLauncher(
                  launch, sweep.slurm(), sweepHash, trackers.localStore(), base, detach)
              : new LocalTrialLauncher(launch, sweep.workers());
      TrialLauncher.Launched launched = launcher.launch(todo, children, parent, trials.size(), out);
      if (launched.detached()) {
        return new Result(parent.id(), List.of(), todo.size(), null, true);
      }
      Map<Integer, String> failures = launched.failures();
      markFailed(tracker, store, parent.id(), trials, failures, noRun);
      for (Path log : logs(parent.dir().resolve("logs"))) {
        parent.logArtifact(log, "logs");
      }

      if (tracker instanceof MlflowTracker) {
        // Children finished before a crash may still have records to send (e.g. their status).
        out.println("MLflow: " + tracker.sync());
      }
      List<TrialResult> results = summarize(store, parent.id(), trials, sweep, noRun);
      String table = SweepSummary.table(results, sweep);
      out.print(table);
      Path csv = parent.dir().resolve("summary.csv");
      Files.writeString(csv, SweepSummary.csv(results, sweep), StandardCharsets.UTF_8);
      parent.logArtifact(csv, "");
      for (Path png : SweepSummary.plots(parent.dir().resolve("plots"), results, sweep)) {
        parent.logArtifact(png, "plots");
      }
      TrialResult best = results.isEmpty() ? null : results.get(0);
      if (best != null && best.metric() != null) {
        parent.setTags(
            Map.of(BEST_RUN_ID, best.runId(), BEST_METRIC, Double.toString(best.metric())));
        parent.logMetric("best/" + sweep.metric(), best.metric(), 0);
        out.printf(
            Locale.ROOT,
            "best: trial %d, run %s, %s %.6g%n",
            best.trial().index(),
            best.runId(),
            sweep.metric(),
            best.metric());
      }
      long failed = results.stream().filter(r -> r.status() != Tracker.Status.FINISHED).count();
      parent.setTags(Map.of("flowlab.sweep_failed", Long.toString(failed)));
      out.println("summary: " + csv);
      parent.finish(Tracker.Status.FINISHED);
      return new Result(parent.id(), results, todo.size(), csv, false);
    }
  }

  /**
   * Trials whose process failed: a run left RUNNING (the process crashed before it could record the
   * failure) is marked FAILED with the reason; a trial without a run keeps it for the summary.
   */
  private static void markFailed(
      Tracker tracker,
      LocalRunStore store,
      String parentId,
      List<SweepPlan.Trial> trials,
      Map<Integer, String> failures,
      Map<Integer, String> noRun)
      throws IOException {
    if (failures.isEmpty()) {
      return;
    }
    Map<String, RunSummary> children = children(store, parentId, trials);
    for (SweepPlan.Trial t : trials) {
      String why = failures.get(t.index());
      if (why == null) {
        continue;
      }
      RunSummary r = children.get(t.hash());
      if (r == null) {
        noRun.put(t.index(), why);
      } else if (r.status() == Tracker.Status.RUNNING || r.status() == Tracker.Status.KILLED) {
        TrackedRun run = tracker.resume(r.id()).orElseThrow();
        run.setTags(Map.of(FAILURE, why));
        run.finish(Tracker.Status.FAILED);
      }
    }
  }

  private static List<Path> logs(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (var files = Files.list(dir)) {
      return files.filter(f -> f.toString().endsWith(".log")).sorted().toList();
    }
  }

  /**
   * In a child JVM: halts this JVM within about 250 ms of the death of the sweep host {@code
   * hostPid} (also by {@code kill -9}), leaving the trial's last checkpoint for a rerun. Call it
   * first thing.
   */
  public static void exitWhenHostDies(long hostPid) {
    SweepTrialProcess.exitWhenHostDies(hostPid);
  }

  /**
   * In a child JVM ({@value #TRIAL_COMMAND}): runs one trial of the sweep of {@code base} into its
   * child run.
   *
   * @throws ConfigException when the trial's hash is not the one the host expects (the sweep's file
   *     changed since the host read it)
   */
  public ExperimentRunner.Outcome runTrial(LoadedConfig base, TrialTarget target, PrintStream out)
      throws IOException {
    List<SweepPlan.Trial> trials = SweepPlan.expand(base);
    SweepPlan.Trial t =
        target.index() >= 0 && target.index() < trials.size() ? trials.get(target.index()) : null;
    if (t != null) {
      ResolvedModel.resolve(t.config(), plugins); // as the host did: the hash covers model params
    }
    if (t == null || !t.hash().equals(target.hash())) {
      throw new ConfigException(
          String.valueOf(base.source()),
          "",
          "sweep trial "
              + target.index()
              + " is not the trial the sweep started (the file or its overrides changed)");
    }
    String existingId = target.existingRunId();
    if (existingId == null) {
      // A Slurm task (also one Slurm requeued) is not told its run: it finds it by the trial hash.
      RunSummary child =
          children(trackers.localStore(), target.parentRunId(), List.of(t)).get(t.hash());
      if (child != null && child.status() == Tracker.Status.FINISHED) {
        out.println("trial " + t.index() + " finished before in run " + child.id());
        return new ExperimentRunner.Outcome(
            child.id(), trackers.localStore().runDir(child.id()), child.latestMetrics());
      }
      existingId = child == null ? null : child.id();
    }
    out.println(
        (existingId == null ? "starting" : "continuing " + existingId)
            + " trial "
            + t.index()
            + " "
            + t.values());
    return runner.run(
        t.config(),
        new ExperimentRunner.Target(
            existingId,
            t.runName(),
            target.parentRunId(),
            Map.of(
                TRIAL_HASH,
                t.hash(),
                MlflowTracker.TAG_RUN_NAME,
                MlflowTracker.trialRunName(t.values()))),
        out);
  }

  /** The parent's children by trial hash (tag, else the hash in the run name). */
  static Map<String, RunSummary> children(
      LocalRunStore store, String parentId, List<SweepPlan.Trial> trials) throws IOException {
    Map<String, String> byShort = new LinkedHashMap<>();
    for (SweepPlan.Trial t : trials) {
      byShort.put(t.runName(), t.hash());
    }
    Map<String, RunSummary> out = new LinkedHashMap<>();
    for (RunSummary r : store.listRuns()) {
      if (!parentId.equals(r.parentRunId())) {
        continue;
      }
      String hash = r.tags().get(TRIAL_HASH);
      if (hash == null) {
        hash = byShort.get(r.name());
      }
      if (hash == null) {
        continue;
      }
      RunSummary seen = out.get(hash);
      // Never expected twice; should it happen, a FINISHED run wins, else the oldest.
      if (seen == null
          || (seen.status() != Tracker.Status.FINISHED && r.status() == Tracker.Status.FINISHED)) {
        out.put(hash, r);
      }
    }
    return out;
  }

  private static List<TrialResult> summarize(
      LocalRunStore store,
      String parentId,
      List<SweepPlan.Trial> trials,
      SweepConfig sweep,
      Map<Integer, String> noRun)
      throws IOException {
    Map<String, RunSummary> children = children(store, parentId, trials);
    List<TrialResult> results = new ArrayList<>();
    for (SweepPlan.Trial t : trials) {
      RunSummary r = children.get(t.hash());
      if (r == null) {
        results.add(
            new TrialResult(
                t, null, Tracker.Status.FAILED, null, noRun.getOrDefault(t.index(), "no run")));
      } else {
        Double metric =
            r.status() == Tracker.Status.FINISHED ? r.latestMetrics().get(sweep.metric()) : null;
        results.add(new TrialResult(t, r.id(), r.status(), metric, r.tags().get(FAILURE)));
      }
    }
    Comparator<Double> values = Comparator.naturalOrder();
    if (sweep.maximize()) {
      values = values.reversed();
    }
    results.sort(
        Comparator.comparing(TrialResult::metric, Comparator.nullsLast(values))
            .thenComparing(r -> r.trial().index()));
    return results;
  }
}
