package org.flowlab.core.tracking;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Records every run in a {@link LocalRunStore} first and mirrors it to an MLflow tracking server
 * over REST; artifacts go over the server's HTTP artifact API ({@code mlflow server
 * --serve-artifacts}, the default since MLflow 2).
 *
 * <p>Tracking never blocks training: the run handles write the local store and return; one
 * background thread ({@link MlflowSendLoop}) sends what is new, with a connect timeout and a
 * deadline on every request ({@link MlflowRest}). While the server is down or not answering the
 * records wait in the local store ({@code mlflow-sync.json} says what was sent), and {@link
 * #close()} says in one line how many wait for {@code flowlab sync}. {@link #sync()} sends what is
 * pending for all mirrored runs, on the caller's thread.
 *
 * <p>While a run is open, a second daemon thread logs system metrics ({@code system/…}: CPU,
 * memory, GPUs) to it every 10 s, as MLflow's own system-metrics monitor does.
 */
public class MlflowTracker implements Tracker {
  /**
   * The run name MLflow shows; a run may set it as a local tag (a sweep trial: its swept values),
   * else it is {@code <family>-<dataset>-<config hash>}.
   */
  public static final String TAG_RUN_NAME = MlflowRunTags.RUN_NAME;

  /** Local tag holding the MLflow run id of a mirrored run. */
  public static final String TAG_MLFLOW_RUN_ID = "flowlab.mlflow_run_id";

  /** MLflow tag holding the local run id. */
  public static final String TAG_LOCAL_RUN_ID = "flowlab.local_run_id";

  /**
   * MLflow tag holding the parent's local run id (the MLflow link is {@code mlflow.parentRunId}).
   */
  public static final String TAG_LOCAL_PARENT_ID = "flowlab.parent_run_id";

  private static final Duration SEND_INTERVAL = Duration.ofSeconds(10);
  private static final Duration SYSTEM_METRICS_INTERVAL = Duration.ofSeconds(10);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

  /** Seconds {@link #close()} waits at most for a final send. */
  public static final long CLOSE_GRACE_SECONDS = 20;

  private static final Duration CLOSE_GRACE = Duration.ofSeconds(CLOSE_GRACE_SECONDS);

  private final LocalRunStore store;
  private final String trackingUri;
  private final MlflowRest rest;
  private final MlflowRunSender sender;
  private final PrintStream warnings;
  private final Set<String> warnedRuns = ConcurrentHashMap.newKeySet();
  private final Map<String, LocalRun> openRuns = new ConcurrentHashMap<>();
  private final Set<String> touchedRuns = ConcurrentHashMap.newKeySet();
  private final MlflowSendLoop loop;
  private final SystemMetricsSampler systemMetrics =
      new SystemMetricsSampler(() -> openRuns, SYSTEM_METRICS_INTERVAL);

  /**
   * A tracker that writes runs to {@code store} and mirrors them to the MLflow server at {@code
   * trackingUri}. Constructing it contacts nothing. Runs recorded earlier with another URI (for
   * example while a server was down) are picked up by {@link #sync()}.
   *
   * @param trackingUri an {@code http://} or {@code https://} URI
   */
  public MlflowTracker(LocalRunStore store, String trackingUri) {
    this(store, trackingUri, Duration.ofSeconds(2), System.err);
  }

  /** Like {@link #MlflowTracker(LocalRunStore, String)} with a store rooted at {@code root}. */
  public MlflowTracker(Path root, String trackingUri) {
    this(new LocalRunStore(root), trackingUri);
  }

  /**
   * Full constructor.
   *
   * @param connectTimeout how long to wait for a connection before treating the server as down; a
   *     whole request may take five times as long (uploads longer, by their size)
   * @param warnings where the one-line warnings go
   */
  public MlflowTracker(
      LocalRunStore store, String trackingUri, Duration connectTimeout, PrintStream warnings) {
    String lower = trackingUri == null ? "" : trackingUri.toLowerCase(java.util.Locale.ROOT);
    if (!(lower.startsWith("http://") || lower.startsWith("https://"))) {
      throw new IllegalArgumentException(
          "MLflow tracking URI must start with http:// or https://, got: " + trackingUri);
    }
    this.store = store;
    this.trackingUri = trackingUri.replaceAll("/+$", "");
    this.warnings = warnings;
    this.rest = new MlflowRest(this.trackingUri, connectTimeout, connectTimeout.multipliedBy(5));
    this.sender = new MlflowRunSender(store, rest, this::warnOnce, openRuns);
    this.loop =
        new MlflowSendLoop(
            id -> sender.push(id, new HashSet<>(), new MlflowRunSender.Stats(), false),
            rest::probe,
            () -> new LinkedHashSet<>(openRuns.keySet()),
            this::warnOnce,
            SEND_INTERVAL,
            MAX_BACKOFF,
            connectTimeout.multipliedBy(2));
  }

  /** The local store every record goes to first. */
  public LocalRunStore store() {
    return store;
  }

  /** The tracking URI (without a trailing slash). */
  public String trackingUri() {
    return trackingUri;
  }

  @Override
  public TrackedRun start(String experiment, String runName, String parentRunId)
      throws IOException {
    LocalRun local = store.start(experiment, runName, parentRunId);
    MlflowSyncState state = new MlflowSyncState();
    state.trackingUri = trackingUri;
    state.write(local.dir());
    return open(local);
  }

  /**
   * Reopens a run; a run recorded by the local store alone becomes mirrored from now on (all its
   * records are sent).
   */
  @Override
  public Optional<TrackedRun> resume(String runIdOrPrefix) throws IOException {
    Optional<LocalRun> local = store.resumeLocal(runIdOrPrefix);
    if (local.isEmpty()) {
      return Optional.empty();
    }
    adopt(local.get().id());
    return Optional.of(open(local.get()));
  }

  /** Reopens a run without changing its status; a local-only run becomes mirrored. */
  @Override
  public Optional<TrackedRun> amend(String runIdOrPrefix) throws IOException {
    Optional<LocalRun> local = store.amendLocal(runIdOrPrefix);
    if (local.isEmpty()) {
      return Optional.empty();
    }
    adopt(local.get().id());
    touchedRuns.add(local.get().id());
    return Optional.of(new MirroredRun(local.get()));
  }

  private TrackedRun open(LocalRun local) {
    openRuns.put(local.id(), local);
    touchedRuns.add(local.id());
    loop.request(local.id());
    systemMetrics.ensureStarted();
    return new MirroredRun(local);
  }

  /**
   * Marks a run recorded by the local store alone as mirrored, so the next {@link #sync()} sends
   * all of it. Does nothing for a run that is mirrored already.
   *
   * @return the full run id, or empty when no run matches
   * @throws IllegalArgumentException when the prefix is ambiguous
   */
  public synchronized Optional<String> adopt(String runIdOrPrefix) throws IOException {
    Optional<String> id = store.resolveId(runIdOrPrefix);
    if (id.isPresent() && !MlflowSyncState.exists(store.runDir(id.get()))) {
      MlflowSyncState state = new MlflowSyncState();
      state.trackingUri = trackingUri;
      state.write(store.runDir(id.get()));
    }
    return id;
  }

  /**
   * Sends everything pending for every mirrored run in the store, on the caller's thread (a send in
   * progress on the background thread is waited for, not repeated).
   *
   * @return e.g. {@code sent 3 runs, 1200 metric points, 4 artifacts; 0 pending}
   */
  @Override
  public synchronized String sync() throws IOException {
    List<String> mirrored = new ArrayList<>();
    for (String id : store.runIds()) {
      if (MlflowSyncState.exists(store.runDir(id))) {
        mirrored.add(id);
      }
    }
    String down = rest.probe();
    if (down != null) {
      int pending = 0;
      for (String id : mirrored) {
        if (hasPending(id)) {
          pending++;
        }
      }
      return String.format(
          "sent 0 runs, 0 metric points, 0 artifacts; %d pending (MLflow at %s unreachable: %s)",
          pending, trackingUri, down);
    }
    MlflowRunSender.Stats stats = new MlflowRunSender.Stats();
    int pending = 0;
    for (int i = 0; i < mirrored.size(); i++) {
      if (!sender.push(mirrored.get(i), new HashSet<>(), stats, true)) {
        pending++;
        String unreachable = sender.lastNetworkFailure();
        if (unreachable != null) {
          // A server that stopped answering: the rest waits too, without a timeout per run.
          return String.format(
              "sent %d runs, %d metric points, %d artifacts; %d pending (MLflow at %s: %s)",
              stats.runs.size(),
              stats.points,
              stats.artifacts,
              pending + mirrored.size() - i - 1,
              trackingUri,
              unreachable);
        }
      }
    }
    return String.format(
        "sent %d runs, %d metric points, %d artifacts; %d pending",
        stats.runs.size(), stats.points, stats.artifacts, pending);
  }

  @Override
  public String describe() {
    return "MLflow " + trackingUri + " (local copy in " + store.root() + "/)";
  }

  /**
   * Sends what this tracker's runs have pending when the server is answering (at most {@value
   * #CLOSE_GRACE_SECONDS} s; nothing is waited for when the last attempt failed), stops the
   * background thread and says in one line how many records wait for {@code flowlab sync}.
   */
  @Override
  public void close() throws IOException {
    systemMetrics.stop();
    try {
      touchedRuns.forEach(loop::request);
      loop.drain(CLOSE_GRACE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      loop.stop();
      openRuns.clear();
    }
    long waiting = 0;
    for (String id : touchedRuns) {
      waiting += sender.pendingRecords(id);
    }
    if (waiting > 0) {
      String why = loop.lastFailure();
      warnings.println(
          "flowlab: "
              + waiting
              + " records wait in "
              + store.root()
              + "/ for `flowlab sync` (MLflow at "
              + trackingUri
              + (why == null ? " did not take them in time" : ": " + why)
              + ")");
    }
  }

  /** True when the run has records the server has not received yet. */
  public boolean hasPending(String runId) throws IOException {
    return sender.pendingRecords(runId) > 0;
  }

  /**
   * The MLflow run id of a local run (by id or unique prefix), once the run was sent to this
   * tracker's server; e.g. for a sweep's best-trial tag.
   */
  public Optional<String> mlflowRunId(String localRunIdOrPrefix) throws IOException {
    Optional<String> id = store.resolveId(localRunIdOrPrefix);
    if (id.isEmpty()) {
      return Optional.empty();
    }
    MlflowSyncState s = MlflowSyncState.read(store.runDir(id.get()));
    return s != null && trackingUri.equals(s.trackingUri)
        ? Optional.ofNullable(s.mlflowRunId)
        : Optional.empty();
  }

  /**
   * Waits until the background thread has sent everything this run had when the call was made, at
   * most {@code max}.
   *
   * @return true when nothing of the run is pending
   */
  public boolean awaitSent(String runId, Duration max) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    while (hasPending(runId)) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      loop.request(runId);
      loop.drain(Duration.ofNanos(left));
      if (loop.lastFailure() != null && hasPending(runId)) {
        Thread.sleep(Math.min(200, Math.max(1, left / 1_000_000)));
      }
    }
    return true;
  }

  /**
   * A sweep trial's run name from its swept values, e.g. {@code lr=0.01 hidden=[8, 8] seed=2} (each
   * dotted path shortened to its last part).
   */
  public static String trialRunName(Map<String, String> sweptValues) {
    List<String> parts = new ArrayList<>();
    sweptValues.forEach(
        (path, value) -> parts.add(path.substring(path.lastIndexOf('.') + 1) + "=" + value));
    String name = String.join(" ", parts);
    return name.length() <= 250 ? name : name.substring(0, 250);
  }

  /** Requests made so far by thread name: tests check that training threads made none. */
  Map<String, Long> requestsByThread() {
    return rest.requestsByThread();
  }

  private void warnOnce(String runId, String what) {
    if (warnedRuns.add(runId)) {
      warnings.println(
          "flowlab: "
              + what
              + "; run "
              + runId
              + " is kept in "
              + store.root()
              + "/ and stays pending until `flowlab sync` (or the next send) takes it");
    }
  }

  /**
   * A run that writes locally and returns; the background thread sends on flush/finish and every
   * few seconds.
   */
  private final class MirroredRun implements TrackedRun {
    private final LocalRun local;

    MirroredRun(LocalRun local) {
      this.local = local;
    }

    @Override
    public String id() {
      return local.id();
    }

    @Override
    public Path dir() {
      return local.dir();
    }

    @Override
    public void logParams(Map<String, String> params) throws IOException {
      local.logParams(params);
    }

    @Override
    public void setTags(Map<String, String> tags) throws IOException {
      local.setTags(tags);
    }

    @Override
    public void logMetric(String key, double value, long step) throws IOException {
      local.logMetric(key, value, step);
    }

    @Override
    public void logArtifact(Path file, String artifactPath) throws IOException {
      local.logArtifact(file, artifactPath);
    }

    @Override
    public void flush() throws IOException {
      local.flush();
      loop.request(local.id());
    }

    @Override
    public void finish(Status status) throws IOException {
      local.finish(status);
      loop.request(local.id());
      if (status != Status.RUNNING) {
        openRuns.remove(local.id());
      }
    }

    @Override
    public void close() throws IOException {
      if (local.status() == Status.RUNNING) {
        finish(Status.FINISHED);
      }
      openRuns.remove(local.id());
    }
  }
}
