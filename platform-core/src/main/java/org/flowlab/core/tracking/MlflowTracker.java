package org.flowlab.core.tracking;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.mlflow.api.proto.Service;
import org.mlflow.tracking.MlflowClient;
import org.mlflow.tracking.MlflowClientException;
import org.mlflow.tracking.MlflowHttpException;
import org.mlflow.tracking.creds.BasicMlflowHostCreds;

/**
 * Records every run in a {@link LocalRunStore} first and mirrors it to an MLflow tracking server
 * over REST ({@code org.mlflow:mlflow-client}); artifacts go over the server's HTTP artifact API
 * ({@code mlflow server --serve-artifacts}, the default since MLflow 2).
 *
 * <p>What was sent is kept per run in {@code mlflow-sync.json} (the MLflow run id, byte offsets per
 * metrics file, params/tags/artifacts/status sent), so sending is incremental and idempotent: no
 * metric point is sent twice and a local run never gets a second MLflow run. While the server is
 * unreachable (connection refused, timeout, 5xx) nothing fails: records stay pending, one warning
 * line per run goes to stderr, and every {@code flush()}/{@code finish()} retries with a short
 * connect timeout. {@link #sync()} sends what is pending for all mirrored runs.
 *
 * <p>Credentials, when the server needs them, come from {@code MLFLOW_TRACKING_TOKEN} or {@code
 * MLFLOW_TRACKING_USERNAME}/{@code MLFLOW_TRACKING_PASSWORD}, as in MLflow's own clients.
 */
public class MlflowTracker implements Tracker {
  /** Local tag holding the MLflow run id of a mirrored run. */
  public static final String TAG_MLFLOW_RUN_ID = "flowlab.mlflow_run_id";

  /** MLflow tag holding the local run id. */
  public static final String TAG_LOCAL_RUN_ID = "flowlab.local_run_id";

  /**
   * MLflow tag holding the parent's local run id (the MLflow link is {@code mlflow.parentRunId}).
   */
  public static final String TAG_LOCAL_PARENT_ID = "flowlab.parent_run_id";

  static final int MAX_METRICS_PER_BATCH = 1000;
  static final int MAX_PARAMS_PER_BATCH = 100;
  static final int MAX_TAGS_PER_BATCH = 100;
  static final String LOCK_FILE = ".mlflow-sync.lock";
  private static final Map<Path, ReentrantLock> RUN_LOCKS = new ConcurrentHashMap<>();
  static final int MAX_PARAM_VALUE = 6000;
  static final int MAX_TAG_VALUE = 8000;
  private static final long AUTO_PUSH_INTERVAL_MS = 15_000;

  private final LocalRunStore store;
  private final String trackingUri;
  private final MlflowClient client;
  private final HttpClient http;
  private final String authHeader;
  private final PrintStream warnings;
  private final Duration probeTimeout;
  private final Set<String> warnedRuns = ConcurrentHashMap.newKeySet();
  private final Map<String, String> experimentIds = new ConcurrentHashMap<>();
  private final Map<String, LocalRun> openRuns = new ConcurrentHashMap<>();

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
   * @param connectTimeout how long to wait for a connection before treating the server as down
   * @param warnings where the one-line warnings go
   */
  public MlflowTracker(
      LocalRunStore store, String trackingUri, Duration connectTimeout, PrintStream warnings) {
    if (trackingUri == null
        || !(trackingUri.startsWith("http://") || trackingUri.startsWith("https://"))) {
      throw new IllegalArgumentException(
          "MLflow tracking URI must start with http:// or https://, got: " + trackingUri);
    }
    this.store = store;
    this.trackingUri = trackingUri.replaceAll("/+$", "");
    this.warnings = warnings;
    // A server that accepts connections but does not answer must not stall training either.
    this.probeTimeout = connectTimeout.plusSeconds(1);
    String token = System.getenv("MLFLOW_TRACKING_TOKEN");
    String user = System.getenv("MLFLOW_TRACKING_USERNAME");
    String password = System.getenv("MLFLOW_TRACKING_PASSWORD");
    if (token != null && !token.isEmpty()) {
      this.client = new MlflowClient(new BasicMlflowHostCreds(this.trackingUri, token));
      this.authHeader = "Bearer " + token;
    } else if (user != null && !user.isEmpty()) {
      this.client = new MlflowClient(new BasicMlflowHostCreds(this.trackingUri, user, password));
      this.authHeader =
          "Basic "
              + Base64.getEncoder()
                  .encodeToString(
                      (user + ":" + (password == null ? "" : password))
                          .getBytes(StandardCharsets.UTF_8));
    } else {
      this.client = new MlflowClient(new BasicMlflowHostCreds(this.trackingUri));
      this.authHeader = null;
    }
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(connectTimeout)
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
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
    MirroredRun run = new MirroredRun(local);
    openRuns.put(local.id(), local);
    run.push();
    return run;
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
    LocalRun l = local.get();
    if (!MlflowSyncState.exists(l.dir())) {
      MlflowSyncState state = new MlflowSyncState();
      state.trackingUri = trackingUri;
      state.write(l.dir());
    }
    MirroredRun run = new MirroredRun(l);
    openRuns.put(l.id(), l);
    run.push();
    return Optional.of(run);
  }

  /** Reopens a run without changing its status; a local-only run becomes mirrored. */
  @Override
  public Optional<TrackedRun> amend(String runIdOrPrefix) throws IOException {
    Optional<LocalRun> local = store.amendLocal(runIdOrPrefix);
    if (local.isEmpty()) {
      return Optional.empty();
    }
    adopt(local.get().id());
    return Optional.of(new MirroredRun(local.get()));
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
   * Sends everything pending for every mirrored run in the store.
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
    String down = probe();
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
    Stats stats = new Stats();
    int pending = 0;
    for (String id : mirrored) {
      if (!pushRun(id, new HashSet<>(), stats)) {
        pending++;
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

  /** Tries once more to send what open runs have pending, then releases the HTTP clients. */
  @Override
  public synchronized void close() throws IOException {
    try {
      if (!openRuns.isEmpty() && probe() == null) {
        for (String id : new ArrayList<>(openRuns.keySet())) {
          pushRun(id, new HashSet<>(), new Stats());
        }
      }
    } finally {
      openRuns.clear();
      client.close();
    }
  }

  /** True when the run has records the server has not received yet. */
  public synchronized boolean hasPending(String runId) throws IOException {
    Path dir = store.runDir(runId);
    MlflowSyncState s = MlflowSyncState.read(dir);
    if (s == null) {
      return false;
    }
    if (s.mlflowRunId == null || !trackingUri.equals(s.trackingUri)) {
      return true;
    }
    LocalRunStore.Meta meta = LocalRunStore.Meta.read(dir);
    if (!remoteTags(meta, dir).entrySet().stream()
        .allMatch(e -> e.getValue().equals(s.tagsSent.get(e.getKey())))) {
      return true;
    }
    if (!JsonFiles.readStringMap(dir.resolve(LocalRunStore.PARAMS)).equals(s.paramsSent)) {
      return true;
    }
    for (Path f : metricFiles(dir)) {
      long off = s.metricOffsets.getOrDefault(f.getFileName().toString(), 0L);
      if (LocalRunStore.readMetricLines(f, off, false).endOffset() > off) {
        return true;
      }
    }
    if (s.artifactUri != null && s.artifactUri.startsWith("mlflow-artifacts:")) {
      for (Map.Entry<String, Path> a : artifactFiles(dir).entrySet()) {
        if (!signature(a.getValue()).equals(s.artifactsSent.get(a.getKey()))) {
          return true;
        }
      }
    }
    if (!unregisteredModels(dir, s).isEmpty()) {
      return true;
    }
    return !(meta.status().name().equals(s.statusSent)
        && java.util.Objects.equals(meta.endTime(), s.endTimeSent));
  }

  /** Model tags of the run not yet registered on the server: tag → artifact folder. */
  private static Map<String, String> unregisteredModels(Path dir, MlflowSyncState s)
      throws IOException {
    Map<String, String> models = new java.util.TreeMap<>();
    for (Map.Entry<String, String> e :
        JsonFiles.readStringMap(dir.resolve(LocalRunStore.TAGS)).entrySet()) {
      if (e.getKey().startsWith(TrackedRun.MODEL_TAG_PREFIX)
          && !s.modelsRegistered.containsKey(e.getKey())) {
        models.put(e.getKey(), e.getValue());
      }
    }
    return models;
  }

  /** {@code flowlab.model/<name>/<version>} → name. */
  private static String modelName(String tag) {
    String rest = tag.substring(TrackedRun.MODEL_TAG_PREFIX.length());
    return rest.substring(0, rest.lastIndexOf('/'));
  }

  /**
   * Creates the registered model (if new) and a version whose source is the run's artifact folder;
   * a version with that source already there (a push interrupted after creating it) is reused.
   *
   * @return MLflow's version number
   */
  private String registerModelVersion(String name, String source, MlflowSyncState s)
      throws IOException {
    String filter = java.net.URLEncoder.encode("name='" + name + "'", StandardCharsets.UTF_8);
    for (com.fasterxml.jackson.databind.JsonNode v :
        JsonFiles.LINE_MAPPER
            .readTree(client.sendGet("model-versions/search?filter=" + filter))
            .path("model_versions")) {
      if (source.equals(v.path("source").asText())) {
        return v.path("version").asText();
      }
    }
    try {
      client.sendPost(
          "registered-models/create",
          JsonFiles.LINE_MAPPER.writeValueAsString(Map.of("name", name)));
    } catch (MlflowHttpException e) {
      if (!String.valueOf(e.getBodyMessage()).contains("RESOURCE_ALREADY_EXISTS")) {
        throw e;
      }
    }
    String created =
        client.sendPost(
            "model-versions/create",
            JsonFiles.LINE_MAPPER.writeValueAsString(
                Map.of("name", name, "source", source, "run_id", s.mlflowRunId)));
    return JsonFiles.LINE_MAPPER.readTree(created).path("model_version").path("version").asText();
  }

  // ---- the run handle ---------------------------------------------------------------------------

  /** A run that writes locally and mirrors to MLflow on flush/finish. */
  private final class MirroredRun implements TrackedRun {
    private final LocalRun local;
    private volatile long lastPush;
    private volatile boolean lastPushOk;

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
      if (lastPushOk && System.currentTimeMillis() - lastPush > AUTO_PUSH_INTERVAL_MS) {
        push();
      }
    }

    @Override
    public void logArtifact(Path file, String artifactPath) throws IOException {
      local.logArtifact(file, artifactPath);
    }

    @Override
    public void flush() throws IOException {
      local.flush();
      push();
    }

    @Override
    public void finish(Status status) throws IOException {
      local.finish(status);
      push();
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

    void push() {
      lastPush = System.currentTimeMillis();
      boolean complete;
      synchronized (MlflowTracker.this) {
        String down = probe();
        if (down != null) {
          warnOnce(local.id(), "MLflow at " + trackingUri + " unreachable (" + down + ")");
          lastPushOk = false;
          return;
        }
        complete = pushRun(local.id(), new HashSet<>(), new Stats());
      }
      lastPushOk = complete;
    }
  }

  // ---- sending
  // ------------------------------------------------------------------------------------

  /** What pushes sent: the runs that received anything, metric points and artifacts. */
  private static final class Stats {
    final Set<String> runs = new HashSet<>();
    long points;
    int artifacts;
  }

  /**
   * Sends what is pending of one run; never throws for server trouble (it warns once per run).
   * Holds the run's sync lock (in this JVM and, through a file lock, across processes) so that a
   * {@code flowlab sync} and a training process never send the same records twice; when another
   * sender holds it, this push is skipped and the run stays pending.
   *
   * @return true when nothing is left to send
   */
  private synchronized boolean pushRun(String runId, Set<String> visiting, Stats stats) {
    Path lockFile = store.runDir(runId).resolve(LOCK_FILE).toAbsolutePath().normalize();
    ReentrantLock jvmLock = RUN_LOCKS.computeIfAbsent(lockFile, k -> new ReentrantLock());
    if (!jvmLock.tryLock()) {
      return false;
    }
    try (FileChannel ch =
            FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock fileLock = ch.tryLock()) {
      if (fileLock == null) {
        return false;
      }
      return pushRunLocked(runId, visiting, stats);
    } catch (IOException | OverlappingFileLockException e) {
      warnOnce(runId, "cannot lock " + lockFile + " (" + reason(e) + ")");
      return false;
    } finally {
      jvmLock.unlock();
    }
  }

  private boolean pushRunLocked(String runId, Set<String> visiting, Stats stats) {
    try {
      visiting.add(runId);
      Path dir = store.runDir(runId);
      MlflowSyncState loaded = MlflowSyncState.read(dir);
      if (loaded == null) {
        return true;
      }
      if (!trackingUri.equals(loaded.trackingUri)) {
        if (loaded.mlflowRunId != null) {
          // Mirrored to another server before: start a fresh mirror on this one.
          loaded = new MlflowSyncState();
        }
        loaded.trackingUri = trackingUri;
        loaded.write(dir);
      }
      final MlflowSyncState s = loaded;
      LocalRunStore.Meta meta = LocalRunStore.Meta.read(dir);
      ensureRun(dir, meta, s, visiting, stats);

      // Params and tags (keys made MLflow-safe and values cut to MLflow's limits on the way; the
      // local record keeps them as logged).
      Map<String, String> params = JsonFiles.readStringMap(dir.resolve(LocalRunStore.PARAMS));
      List<Map.Entry<String, String>> newParams = new ArrayList<>();
      for (Map.Entry<String, String> e : params.entrySet()) {
        if (!e.getValue().equals(s.paramsSent.get(e.getKey()))) {
          newParams.add(e);
        }
      }
      for (int i = 0; i < newParams.size(); i += MAX_PARAMS_PER_BATCH) {
        List<Map.Entry<String, String>> batch =
            newParams.subList(i, Math.min(newParams.size(), i + MAX_PARAMS_PER_BATCH));
        List<Service.Param> protos = new ArrayList<>();
        for (Map.Entry<String, String> e : batch) {
          protos.add(
              Service.Param.newBuilder()
                  .setKey(mlflowKey(e.getKey()))
                  .setValue(cut(e.getValue(), MAX_PARAM_VALUE))
                  .build());
        }
        client.logBatch(s.mlflowRunId, List.of(), protos, List.of());
        batch.forEach(e -> s.paramsSent.put(e.getKey(), e.getValue()));
        s.write(dir);
        stats.runs.add(runId);
      }
      List<Map.Entry<String, String>> newTags = new ArrayList<>();
      for (Map.Entry<String, String> e : remoteTags(meta, dir).entrySet()) {
        if (!e.getValue().equals(s.tagsSent.get(e.getKey()))) {
          newTags.add(e);
        }
      }
      for (int i = 0; i < newTags.size(); i += MAX_TAGS_PER_BATCH) {
        List<Map.Entry<String, String>> batch =
            newTags.subList(i, Math.min(newTags.size(), i + MAX_TAGS_PER_BATCH));
        List<Service.RunTag> protos = new ArrayList<>();
        for (Map.Entry<String, String> e : batch) {
          protos.add(
              Service.RunTag.newBuilder()
                  .setKey(mlflowKey(e.getKey()))
                  .setValue(cut(e.getValue(), MAX_TAG_VALUE))
                  .build());
        }
        client.logBatch(s.mlflowRunId, List.of(), List.of(), protos);
        batch.forEach(e -> s.tagsSent.put(e.getKey(), e.getValue()));
        s.write(dir);
        stats.runs.add(runId);
      }

      // Metrics, in batches of at most 1000 points, offsets saved after each batch.
      long points = sendMetrics(dir, s);
      stats.points += points;
      if (points > 0) {
        stats.runs.add(runId);
      }

      // Artifacts.
      if (s.artifactUri != null && s.artifactUri.startsWith("mlflow-artifacts:")) {
        String base = URI.create(s.artifactUri).getPath();
        for (Map.Entry<String, Path> a : artifactFiles(dir).entrySet()) {
          String sig = signature(a.getValue());
          if (sig.equals(s.artifactsSent.get(a.getKey()))) {
            continue;
          }
          uploadArtifact(base, a.getKey(), a.getValue());
          s.artifactsSent.put(a.getKey(), sig);
          s.write(dir);
          stats.artifacts++;
          stats.runs.add(runId);
        }
      } else if (!artifactFiles(dir).isEmpty()) {
        warnOnce(
            runId,
            "the server keeps artifacts at "
                + s.artifactUri
                + ", which flowlab cannot upload to over HTTP (start it with --serve-artifacts);"
                + " artifacts stay local");
      }

      // Model registry: one MLflow model version per model exported from this run.
      for (Map.Entry<String, String> e : unregisteredModels(dir, s).entrySet()) {
        String name = modelName(e.getKey());
        String version = registerModelVersion(name, s.artifactUri + "/" + e.getValue(), s);
        s.modelsRegistered.put(e.getKey(), version);
        s.write(dir);
        stats.runs.add(runId);
      }

      // Status.
      if (!(meta.status().name().equals(s.statusSent)
          && java.util.Objects.equals(meta.endTime(), s.endTimeSent))) {
        if (meta.status() == Status.RUNNING) {
          String body =
              JsonFiles.LINE_MAPPER.writeValueAsString(
                  Map.of("run_id", s.mlflowRunId, "status", "RUNNING"));
          client.sendPost("runs/update", body);
        } else {
          long end = meta.endTime() == null ? System.currentTimeMillis() : meta.endTime();
          client.setTerminated(s.mlflowRunId, Service.RunStatus.valueOf(meta.status().name()), end);
        }
        s.statusSent = meta.status().name();
        s.endTimeSent = meta.endTime();
        s.write(dir);
        stats.runs.add(runId);
      }
      return true;
    } catch (MlflowHttpException e) {
      boolean transientError = e.getStatusCode() >= 500 || e.getStatusCode() == 429;
      warnOnce(
          runId,
          (transientError ? "MLflow at " + trackingUri + " failed" : "MLflow rejected a record")
              + " (HTTP "
              + e.getStatusCode()
              + ": "
              + firstLine(e.getBodyMessage() != null ? e.getBodyMessage() : e.getMessage())
              + ")");
      return false;
    } catch (MlflowClientException | IOException | UncheckedIOException e) {
      warnOnce(runId, "MLflow at " + trackingUri + " unreachable (" + reason(e) + ")");
      return false;
    } catch (RuntimeException e) {
      warnOnce(runId, "sending to MLflow failed (" + reason(e) + ")");
      return false;
    } finally {
      visiting.remove(runId);
    }
  }

  /** Gets or creates the experiment and the MLflow run of a local run; records the ids. */
  private void ensureRun(
      Path dir, LocalRunStore.Meta meta, MlflowSyncState s, Set<String> visiting, Stats stats)
      throws IOException {
    if (s.experimentId == null) {
      s.experimentId = experimentId(meta.experiment());
      s.write(dir);
    }
    if (s.mlflowRunId != null) {
      return;
    }
    // A create that was sent but whose answer was lost must not make a second run: look first.
    List<Service.RunInfo> existing =
        client.searchRuns(
            List.of(s.experimentId),
            "tags.`" + TAG_LOCAL_RUN_ID + "` = '" + meta.id().replace("'", "") + "'");
    Service.RunInfo info;
    if (!existing.isEmpty()) {
      info = existing.get(0);
    } else {
      Service.CreateRun.Builder create =
          Service.CreateRun.newBuilder()
              .setExperimentId(s.experimentId)
              .setRunName(meta.name())
              .setStartTime(meta.startTime())
              .setUserId(System.getProperty("user.name", ""));
      for (Map.Entry<String, String> t : identityTags(meta, visiting, stats).entrySet()) {
        create.addTags(Service.RunTag.newBuilder().setKey(t.getKey()).setValue(t.getValue()));
      }
      info = client.createRun(create.build());
      stats.runs.add(meta.id());
    }
    s.mlflowRunId = info.getRunId();
    s.artifactUri = info.getArtifactUri();
    s.statusSent = Status.RUNNING.name();
    s.endTimeSent = null;
    s.write(dir);
    LocalRun open = openRuns.get(meta.id());
    if (open != null) {
      open.setTags(Map.of(TAG_MLFLOW_RUN_ID, s.mlflowRunId));
    } else {
      new LocalRun(store, dir, meta).setTags(Map.of(TAG_MLFLOW_RUN_ID, s.mlflowRunId));
    }
  }

  private String experimentId(String name) {
    String cached = experimentIds.get(name);
    if (cached != null) {
      return cached;
    }
    Optional<Service.Experiment> exp = findExperiment(name);
    String id;
    if (exp.isPresent()) {
      id = exp.get().getExperimentId();
    } else {
      try {
        id = client.createExperiment(name);
      } catch (MlflowHttpException e) {
        // Created concurrently by someone else.
        id = findExperiment(name).map(Service.Experiment::getExperimentId).orElseThrow(() -> e);
      }
    }
    experimentIds.put(name, id);
    return id;
  }

  /**
   * Looks an experiment up by name with a search, which answers 200 when there is none (the Java
   * client retries every error status with back-off, so a 404 from get-by-name costs seconds).
   */
  private Optional<Service.Experiment> findExperiment(String name) {
    if (name.contains("'") || name.contains("\\")) {
      return client.getExperimentByName(name);
    }
    return client.searchExperiments("name = '" + name + "'").getItems().stream()
        .filter(e -> e.getName().equals(name))
        .findFirst();
  }

  /** Tags set when the MLflow run is created: its name, the local id and the parent link. */
  private Map<String, String> identityTags(
      LocalRunStore.Meta meta, Set<String> visiting, Stats stats) throws IOException {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("mlflow.runName", meta.name());
    tags.put(TAG_LOCAL_RUN_ID, meta.id());
    if (meta.parentRunId() != null) {
      tags.put(TAG_LOCAL_PARENT_ID, meta.parentRunId());
      String parentMlflow = parentMlflowRunId(meta.parentRunId(), visiting, stats);
      if (parentMlflow != null) {
        tags.put("mlflow.parentRunId", parentMlflow);
      }
    }
    return tags;
  }

  /** The parent's MLflow run id, creating the parent's MLflow run first when needed. */
  private String parentMlflowRunId(String parentLocalId, Set<String> visiting, Stats stats)
      throws IOException {
    Optional<String> pid;
    try {
      pid = store.resolveId(parentLocalId);
    } catch (IllegalArgumentException e) {
      return null;
    }
    if (pid.isEmpty() || visiting.contains(pid.get())) {
      return null;
    }
    Path pdir = store.runDir(pid.get());
    MlflowSyncState ps = MlflowSyncState.read(pdir);
    if (ps == null) {
      return null;
    }
    if (ps.mlflowRunId == null || !trackingUri.equals(ps.trackingUri)) {
      pushRun(pid.get(), visiting, stats);
      ps = MlflowSyncState.read(pdir);
    }
    return ps != null && trackingUri.equals(ps.trackingUri) ? ps.mlflowRunId : null;
  }

  /** The tags the MLflow run should carry: the local tags plus identity tags. */
  private Map<String, String> remoteTags(LocalRunStore.Meta meta, Path dir) throws IOException {
    Map<String, String> tags =
        new TreeMap<>(JsonFiles.readStringMap(dir.resolve(LocalRunStore.TAGS)));
    tags.put("mlflow.runName", meta.name());
    tags.put(TAG_LOCAL_RUN_ID, meta.id());
    if (meta.parentRunId() != null) {
      tags.put(TAG_LOCAL_PARENT_ID, meta.parentRunId());
      try {
        Optional<String> pid = store.resolveId(meta.parentRunId());
        if (pid.isPresent()) {
          MlflowSyncState ps = MlflowSyncState.read(store.runDir(pid.get()));
          if (ps != null && ps.mlflowRunId != null && trackingUri.equals(ps.trackingUri)) {
            tags.put("mlflow.parentRunId", ps.mlflowRunId);
          }
        }
      } catch (IllegalArgumentException e) {
        // ambiguous parent id: no MLflow link
      }
    }
    return tags;
  }

  private long sendMetrics(Path dir, MlflowSyncState s) throws IOException {
    record Pending(String file, MetricPoint point, long lineEnd) {}
    List<Pending> pending = new ArrayList<>();
    Map<String, Long> ends = new TreeMap<>();
    for (Path f : metricFiles(dir)) {
      String name = f.getFileName().toString();
      long off = s.metricOffsets.getOrDefault(name, 0L);
      LocalRunStore.MetricChunk chunk = LocalRunStore.readMetricLines(f, off, false);
      for (int i = 0; i < chunk.points().size(); i++) {
        pending.add(new Pending(name, chunk.points().get(i), chunk.lineEnds().get(i)));
      }
      if (chunk.endOffset() > off) {
        ends.put(name, chunk.endOffset());
      }
    }
    long sentPoints = 0;
    for (int i = 0; i < pending.size(); i += MAX_METRICS_PER_BATCH) {
      List<Pending> batch = pending.subList(i, Math.min(pending.size(), i + MAX_METRICS_PER_BATCH));
      List<Service.Metric> metrics = new ArrayList<>(batch.size());
      for (Pending p : batch) {
        metrics.add(
            Service.Metric.newBuilder()
                .setKey(mlflowKey(p.point().key()))
                .setValue(p.point().value())
                .setStep(p.point().step())
                .setTimestamp(p.point().timestamp())
                .build());
      }
      client.logBatch(s.mlflowRunId, metrics, List.of(), List.of());
      for (Pending p : batch) {
        s.metricOffsets.merge(p.file(), p.lineEnd(), Math::max);
      }
      s.metricPointsSent += batch.size();
      s.write(dir);
      sentPoints += batch.size();
    }
    // Skipped (unparseable) complete lines count as sent too.
    if (!ends.isEmpty()) {
      ends.forEach((f, e) -> s.metricOffsets.merge(f, e, Math::max));
      s.write(dir);
    }
    return sentPoints;
  }

  private void uploadArtifact(String basePath, String relPath, Path file) throws IOException {
    StringBuilder url =
        new StringBuilder(trackingUri).append("/api/2.0/mlflow-artifacts/artifacts");
    for (String seg : (basePath + "/" + relPath).split("/")) {
      if (!seg.isEmpty()) {
        url.append('/').append(URLEncoder.encode(seg, StandardCharsets.UTF_8).replace("+", "%20"));
      }
    }
    HttpRequest.Builder req =
        HttpRequest.newBuilder(URI.create(url.toString()))
            .timeout(Duration.ofMinutes(10))
            .header("Content-Type", "application/octet-stream")
            .PUT(HttpRequest.BodyPublishers.ofFile(file));
    if (authHeader != null) {
      req.header("Authorization", authHeader);
    }
    HttpResponse<String> resp;
    try {
      resp = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while uploading " + relPath, e);
    }
    if (resp.statusCode() / 100 != 2) {
      throw new MlflowHttpException(
          resp.statusCode(), "artifact upload of " + relPath, resp.body());
    }
  }

  // ---- helpers
  // ------------------------------------------------------------------------------------

  /** Null when the server answers (any status below 500), else a short reason. */
  private String probe() {
    HttpRequest.Builder req =
        HttpRequest.newBuilder(URI.create(trackingUri + "/health")).timeout(probeTimeout).GET();
    if (authHeader != null) {
      req.header("Authorization", authHeader);
    }
    try {
      HttpResponse<Void> r = http.send(req.build(), HttpResponse.BodyHandlers.discarding());
      return r.statusCode() >= 500 ? "HTTP " + r.statusCode() : null;
    } catch (IOException e) {
      return reason(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
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
              + "/ and stays pending until `flowlab sync` (or the next flush) sends it");
    }
  }

  /**
   * MLflow accepts only letters, digits, '_', '-', '.', ' ', ':' and '/' in keys: others become
   * '_'.
   */
  static String mlflowKey(String key) {
    return key.replaceAll("[^A-Za-z0-9_\\-. /:]", "_");
  }

  private static String cut(String value, int max) {
    return value.length() <= max ? value : value.substring(0, max);
  }

  private static String reason(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String msg = t.getMessage();
    return t.getClass().getSimpleName() + (msg == null ? "" : ": " + firstLine(msg));
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    String line = nl < 0 ? s : s.substring(0, nl);
    return line.length() > 300 ? line.substring(0, 300) + "..." : line;
  }

  private static List<Path> metricFiles(Path dir) throws IOException {
    Path m = dir.resolve(LocalRunStore.METRICS);
    if (!Files.isDirectory(m)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(m)) {
      return files
          .filter(f -> f.getFileName().toString().endsWith(LocalRunStore.METRIC_SUFFIX))
          .sorted()
          .toList();
    }
  }

  /**
   * Artifact files by path relative to the artifacts folder ('/'-separated), temp files skipped.
   */
  private static Map<String, Path> artifactFiles(Path dir) throws IOException {
    Path base = dir.resolve(LocalRunStore.ARTIFACTS);
    Map<String, Path> out = new TreeMap<>();
    if (!Files.isDirectory(base)) {
      return out;
    }
    try (Stream<Path> walk = Files.walk(base)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        String name = p.getFileName().toString();
        if (Files.isRegularFile(p) && !(name.startsWith(".") && name.endsWith(".tmp"))) {
          out.put(base.relativize(p).toString().replace('\\', '/'), p);
        }
      }
    }
    return out;
  }

  private static String signature(Path file) throws IOException {
    return Files.size(file) + ":" + Files.getLastModifiedTime(file).toMillis();
  }
}
