package org.flowlab.core.tracking;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.flowlab.core.tracking.Tracker.Status;

/**
 * Sends one local run's records to MLflow: the mapping from the run folder to REST calls (run,
 * params, tags, metric points, artifacts, model versions, status). What was sent is kept in {@link
 * MlflowSyncState}, so sending is incremental and idempotent: no metric point is sent twice and a
 * local run never gets a second MLflow run. Never throws for server trouble: it reports through
 * {@code warn} and leaves the rest pending.
 */
final class MlflowRunSender {
  static final int MAX_METRICS_PER_BATCH = 1000;
  static final int MAX_PARAMS_PER_BATCH = 100;
  static final int MAX_TAGS_PER_BATCH = 100;
  static final int MAX_PARAM_VALUE = 6000;
  static final int MAX_TAG_VALUE = 8000;
  static final String LOCK_FILE = ".mlflow-sync.lock";
  private static final Map<Path, ReentrantLock> RUN_LOCKS = new ConcurrentHashMap<>();

  private final LocalRunStore store;
  private final MlflowRest rest;
  private final MlflowRunTags runTags;
  private final MlflowModels models;
  private final BiConsumer<String, String> warn;
  private final Map<String, LocalRun> openRuns;
  private final Map<String, String> experimentIds = new ConcurrentHashMap<>();
  private final ThreadLocal<String> lastNetworkFailure = new ThreadLocal<>();

  /** What pushes sent: the runs that received anything, metric points and artifacts. */
  static final class Stats {
    final Set<String> runs = new HashSet<>();
    long points;
    int artifacts;
  }

  /**
   * @param warn (run id, one-line reason) for server trouble
   * @param openRuns runs open in this process, by id: their MLflow run id is tagged through them
   */
  MlflowRunSender(
      LocalRunStore store,
      MlflowRest rest,
      BiConsumer<String, String> warn,
      Map<String, LocalRun> openRuns) {
    this.store = store;
    this.rest = rest;
    this.runTags = new MlflowRunTags(store, rest.trackingUri());
    this.models = new MlflowModels(rest);
    this.warn = warn;
    this.openRuns = openRuns;
  }

  private String trackingUri() {
    return rest.trackingUri();
  }

  /**
   * Sends what is pending of one run. Holds the run's sync lock (in this JVM and, through a file
   * lock, across processes) so that a {@code flowlab sync} and a training process never send the
   * same records twice; when another sender holds it, this push is skipped and the run stays
   * pending.
   *
   * @param waitForLock wait for a send of the same run in progress in this JVM instead of skipping
   * @return true when nothing is left to send
   */
  boolean push(String runId, Set<String> visiting, Stats stats, boolean waitForLock) {
    Path lockFile = store.runDir(runId).resolve(LOCK_FILE).toAbsolutePath().normalize();
    ReentrantLock jvmLock = RUN_LOCKS.computeIfAbsent(lockFile, k -> new ReentrantLock());
    if (waitForLock) {
      jvmLock.lock();
    } else if (!jvmLock.tryLock()) {
      return false;
    }
    try (FileChannel ch =
            FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock fileLock = ch.tryLock()) {
      if (fileLock == null) {
        return false;
      }
      return pushLocked(runId, visiting, stats);
    } catch (IOException | OverlappingFileLockException e) {
      warn.accept(runId, "cannot lock " + lockFile + " (" + MlflowRest.reason(e) + ")");
      return false;
    } finally {
      jvmLock.unlock();
    }
  }

  /** Why the calling thread's last push could not reach the server, or null. */
  String lastNetworkFailure() {
    return lastNetworkFailure.get();
  }

  private boolean pushLocked(String runId, Set<String> visiting, Stats stats) {
    lastNetworkFailure.remove();
    try {
      visiting.add(runId);
      Path dir = store.runDir(runId);
      MlflowSyncState loaded = MlflowSyncState.read(dir);
      if (loaded == null) {
        return true;
      }
      if (!trackingUri().equals(loaded.trackingUri)) {
        if (loaded.mlflowRunId != null) {
          // Mirrored to another server before: start a fresh mirror on this one.
          loaded = new MlflowSyncState();
        }
        loaded.trackingUri = trackingUri();
        loaded.write(dir);
      }
      final MlflowSyncState s = loaded;
      LocalRunStore.Meta meta = LocalRunStore.Meta.read(dir);
      ensureRun(dir, meta, s, visiting, stats);

      // Params and tags (keys made MLflow-safe and values cut to MLflow's limits on the way; the
      // local record keeps them as logged).
      List<Map.Entry<String, String>> newParams =
          unsent(JsonFiles.readStringMap(dir.resolve(LocalRunStore.PARAMS)), s.paramsSent);
      for (List<Map.Entry<String, String>> batch : batches(newParams, MAX_PARAMS_PER_BATCH)) {
        logBatch(s, List.of(), keyValues(batch, MAX_PARAM_VALUE), List.of());
        batch.forEach(e -> s.paramsSent.put(e.getKey(), e.getValue()));
        s.write(dir);
        stats.runs.add(runId);
      }
      List<Map.Entry<String, String>> newTags = unsent(runTags.remoteTags(meta, dir), s.tagsSent);
      for (List<Map.Entry<String, String>> batch : batches(newTags, MAX_TAGS_PER_BATCH)) {
        logBatch(s, List.of(), List.of(), keyValues(batch, MAX_TAG_VALUE));
        batch.forEach(e -> s.tagsSent.put(e.getKey(), e.getValue()));
        s.write(dir);
        stats.runs.add(runId);
      }

      String dataset = JsonFiles.readStringMap(dir.resolve(LocalRunStore.TAGS)).get(RunDataset.TAG);
      if (dataset != null && !dataset.equals(s.datasetSent)) {
        rest.post(
            "runs/log-inputs",
            Map.of("run_id", s.mlflowRunId, "datasets", RunDataset.mlflowInputs(dataset)));
        s.datasetSent = dataset;
        s.write(dir);
        stats.runs.add(runId);
      }

      long points = sendMetrics(dir, s);
      stats.points += points;
      if (points > 0) {
        stats.runs.add(runId);
      }

      int artifacts = sendArtifacts(runId, dir, s);
      stats.artifacts += artifacts;
      if (artifacts > 0) {
        stats.runs.add(runId);
      }

      // Model registry: one MLflow model version per model exported from this run.
      for (Map.Entry<String, String> e : unregisteredModels(dir, s).entrySet()) {
        String version = models.register(e.getKey(), e.getValue(), dir, s);
        s.modelsRegistered.put(e.getKey(), version);
        s.write(dir);
        stats.runs.add(runId);
      }

      if (!statusSent(meta, s)) {
        Map<String, Object> update = new LinkedHashMap<>();
        update.put("run_id", s.mlflowRunId);
        update.put("status", meta.status().name());
        if (meta.status() != Status.RUNNING) {
          update.put(
              "end_time", meta.endTime() == null ? System.currentTimeMillis() : meta.endTime());
        }
        rest.post("runs/update", update);
        s.statusSent = meta.status().name();
        s.endTimeSent = meta.endTime();
        s.write(dir);
        stats.runs.add(runId);
      }
      return true;
    } catch (MlflowRest.HttpError e) {
      warn.accept(
          runId,
          (e.transientError()
                  ? "MLflow at " + trackingUri() + " failed"
                  : "MLflow rejected a record")
              + " (HTTP "
              + e.status
              + ": "
              + MlflowRest.firstLine(e.body.isEmpty() ? e.getMessage() : e.body)
              + ")");
      return false;
    } catch (IOException | UncheckedIOException e) {
      lastNetworkFailure.set(MlflowRest.reason(e));
      warn.accept(
          runId, "MLflow at " + trackingUri() + " unreachable (" + MlflowRest.reason(e) + ")");
      return false;
    } catch (RuntimeException e) {
      warn.accept(runId, "sending to MLflow failed (" + MlflowRest.reason(e) + ")");
      return false;
    } finally {
      visiting.remove(runId);
    }
  }

  /**
   * How many records of the run the server has not received yet: metric points, params, tags,
   * artifacts, model versions and the status each count one. 0 for a run that is not mirrored.
   */
  long pendingRecords(String runId) throws IOException {
    Path dir = store.runDir(runId);
    MlflowSyncState s = MlflowSyncState.read(dir);
    if (s == null) {
      return 0;
    }
    boolean fresh = s.mlflowRunId == null || !trackingUri().equals(s.trackingUri);
    MlflowSyncState sent = fresh ? new MlflowSyncState() : s;
    LocalRunStore.Meta meta = LocalRunStore.Meta.read(dir);
    long n = fresh ? 1 : 0; // the run itself
    n += unsent(runTags.remoteTags(meta, dir), sent.tagsSent).size();
    n += unsent(JsonFiles.readStringMap(dir.resolve(LocalRunStore.PARAMS)), sent.paramsSent).size();
    for (Path f : metricFiles(dir)) {
      long off = sent.metricOffsets.getOrDefault(f.getFileName().toString(), 0L);
      n += LocalRunStore.readMetricLines(f, off, false).points().size();
    }
    if (fresh || (s.artifactUri != null && s.artifactUri.startsWith("mlflow-artifacts:"))) {
      for (Map.Entry<String, Path> a : artifactFiles(dir).entrySet()) {
        if (!signature(a.getValue()).equals(sent.artifactsSent.get(a.getKey()))) {
          n++;
        }
      }
    }
    n += unregisteredModels(dir, sent).size();
    String dataset = JsonFiles.readStringMap(dir.resolve(LocalRunStore.TAGS)).get(RunDataset.TAG);
    if (dataset != null && !dataset.equals(sent.datasetSent)) {
      n++;
    }
    return n + (statusSent(meta, sent) ? 0 : 1);
  }

  private static boolean statusSent(LocalRunStore.Meta meta, MlflowSyncState s) {
    return meta.status().name().equals(s.statusSent)
        && Objects.equals(meta.endTime(), s.endTimeSent);
  }

  /** Model tags of the run not yet registered on the server: tag → artifact folder. */
  private static Map<String, String> unregisteredModels(Path dir, MlflowSyncState s)
      throws IOException {
    Map<String, String> out = new TreeMap<>();
    for (Map.Entry<String, String> e :
        JsonFiles.readStringMap(dir.resolve(LocalRunStore.TAGS)).entrySet()) {
      if (e.getKey().startsWith(TrackedRun.MODEL_TAG_PREFIX)
          && !s.modelsRegistered.containsKey(e.getKey())) {
        out.put(e.getKey(), e.getValue());
      }
    }
    return out;
  }

  // ---- the MLflow run ---------------------------------------------------------------------------

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
    Map<String, Object> search = new LinkedHashMap<>();
    search.put("experiment_ids", List.of(s.experimentId));
    search.put(
        "filter",
        "tags.`" + MlflowTracker.TAG_LOCAL_RUN_ID + "` = '" + meta.id().replace("'", "") + "'");
    search.put("max_results", 1);
    JsonNode found = rest.post("runs/search", search).path("runs");
    JsonNode info;
    if (found.size() > 0) {
      info = found.get(0).path("info");
    } else {
      Map<String, String> identity = identityTags(meta, visiting, stats);
      Map<String, Object> create = new LinkedHashMap<>();
      create.put("experiment_id", s.experimentId);
      create.put("run_name", identity.get(MlflowRunTags.RUN_NAME));
      create.put("start_time", meta.startTime());
      create.put("user_id", System.getProperty("user.name", ""));
      create.put("tags", keyValues(new ArrayList<>(identity.entrySet()), MAX_TAG_VALUE));
      info = rest.post("runs/create", create).path("run").path("info");
      stats.runs.add(meta.id());
    }
    s.mlflowRunId = info.path("run_id").asText();
    s.artifactUri = info.path("artifact_uri").asText(null);
    s.statusSent = Status.RUNNING.name();
    s.endTimeSent = null;
    s.write(dir);
    Map<String, String> tag = Map.of(MlflowTracker.TAG_MLFLOW_RUN_ID, s.mlflowRunId);
    LocalRun open = openRuns.get(meta.id());
    if (open != null) {
      open.setTags(tag);
    } else {
      new LocalRun(store, dir, meta).setTags(tag);
    }
  }

  /** Tags set when the MLflow run is created: name, local id, parent link. */
  private Map<String, String> identityTags(
      LocalRunStore.Meta meta, Set<String> visiting, Stats stats) throws IOException {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put(MlflowRunTags.RUN_NAME, runTags.runName(meta, store.runDir(meta.id())));
    tags.put(MlflowTracker.TAG_LOCAL_RUN_ID, meta.id());
    if (meta.parentRunId() != null) {
      tags.put(MlflowTracker.TAG_LOCAL_PARENT_ID, meta.parentRunId());
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
    if (ps.mlflowRunId == null || !trackingUri().equals(ps.trackingUri)) {
      push(pid.get(), visiting, stats, false);
      ps = MlflowSyncState.read(pdir);
    }
    return ps != null && trackingUri().equals(ps.trackingUri) ? ps.mlflowRunId : null;
  }

  /**
   * The experiment's id, created on first use and marked for model training ({@code
   * mlflow.experimentKind}), so that MLflow 3's UI opens it in the model-training view.
   */
  private String experimentId(String name) throws IOException {
    String cached = experimentIds.get(name);
    if (cached != null) {
      return cached;
    }
    String id = findExperiment(name);
    List<Map<String, String>> kind =
        List.of(
            Map.of("key", MlflowRunTags.EXPERIMENT_KIND, "value", MlflowRunTags.MODEL_TRAINING));
    if (id == null) {
      try {
        id =
            rest.post("experiments/create", Map.of("name", name, "tags", kind))
                .path("experiment_id")
                .asText();
      } catch (MlflowRest.HttpError e) {
        // Created concurrently by someone else.
        id = findExperiment(name);
        if (id == null) {
          throw e;
        }
      }
    } else {
      rest.post(
          "experiments/set-experiment-tag",
          Map.of(
              "experiment_id",
              id,
              "key",
              MlflowRunTags.EXPERIMENT_KIND,
              "value",
              MlflowRunTags.MODEL_TRAINING));
    }
    experimentIds.put(name, id);
    return id;
  }

  private String findExperiment(String name) throws IOException {
    Map<String, Object> search = new LinkedHashMap<>();
    search.put("filter", "name = '" + name.replace("\\", "\\\\").replace("'", "\\'") + "'");
    search.put("max_results", 10);
    for (JsonNode e : rest.post("experiments/search", search).path("experiments")) {
      if (name.equals(e.path("name").asText())) {
        return e.path("experiment_id").asText();
      }
    }
    return null;
  }

  // ---- records ----------------------------------------------------------------------------------

  private void logBatch(
      MlflowSyncState s,
      List<Map<String, Object>> metrics,
      List<Map<String, String>> params,
      List<Map<String, String>> tags)
      throws IOException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("run_id", s.mlflowRunId);
    body.put("metrics", metrics);
    body.put("params", params);
    body.put("tags", tags);
    rest.post("runs/log-batch", body);
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
    for (List<Pending> batch : batches(pending, MAX_METRICS_PER_BATCH)) {
      List<Map<String, Object>> metrics = new ArrayList<>(batch.size());
      for (Pending p : batch) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", mlflowKey(p.point().key()));
        m.put("value", jsonNumber(p.point().value()));
        m.put("timestamp", p.point().timestamp());
        m.put("step", p.point().step());
        metrics.add(m);
      }
      logBatch(s, metrics, List.of(), List.of());
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

  private int sendArtifacts(String runId, Path dir, MlflowSyncState s) throws IOException {
    Map<String, Path> files = artifactFiles(dir);
    if (s.artifactUri == null || !s.artifactUri.startsWith("mlflow-artifacts:")) {
      if (!files.isEmpty()) {
        warn.accept(
            runId,
            "the server keeps artifacts at "
                + s.artifactUri
                + ", which flowlab cannot upload to over HTTP (start it with --serve-artifacts);"
                + " artifacts stay local");
      }
      return 0;
    }
    String base = URI.create(s.artifactUri).getPath();
    int sent = 0;
    for (Map.Entry<String, Path> a : files.entrySet()) {
      String sig = signature(a.getValue());
      if (sig.equals(s.artifactsSent.get(a.getKey()))) {
        continue;
      }
      rest.upload(base + "/" + a.getKey(), a.getValue());
      s.artifactsSent.put(a.getKey(), sig);
      s.write(dir);
      sent++;
    }
    return sent;
  }

  // ---- helpers ----------------------------------------------------------------------------------

  /** MLflow's JSON takes non-finite values as the strings protobuf uses. */
  private static Object jsonNumber(double v) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "Infinity" : "-Infinity";
    }
    return v;
  }

  private static List<Map.Entry<String, String>> unsent(
      Map<String, String> all, Map<String, String> sent) {
    List<Map.Entry<String, String>> out = new ArrayList<>();
    for (Map.Entry<String, String> e : all.entrySet()) {
      if (!e.getValue().equals(sent.get(e.getKey()))) {
        out.add(e);
      }
    }
    return out;
  }

  private static <T> List<List<T>> batches(List<T> items, int size) {
    List<List<T>> out = new ArrayList<>();
    for (int i = 0; i < items.size(); i += size) {
      out.add(items.subList(i, Math.min(items.size(), i + size)));
    }
    return out;
  }

  private static List<Map<String, String>> keyValues(
      List<Map.Entry<String, String>> entries, int maxValue) {
    List<Map<String, String>> out = new ArrayList<>();
    for (Map.Entry<String, String> e : entries) {
      String v = e.getValue();
      out.add(
          Map.of(
              "key",
              mlflowKey(e.getKey()),
              "value",
              v.length() <= maxValue ? v : v.substring(0, maxValue)));
    }
    return out;
  }

  /**
   * MLflow accepts only letters, digits, '_', '-', '.', ' ', ':' and '/' in keys: others become
   * '_'.
   */
  static String mlflowKey(String key) {
    return key.replaceAll("[^A-Za-z0-9_\\-. /:]", "_");
  }

  static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
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
  static Map<String, Path> artifactFiles(Path dir) throws IOException {
    return artifactFiles(dir, LocalRunStore.ARTIFACTS);
  }

  /** Files under {@code dir/sub} by '/'-separated relative path, temp files skipped. */
  static Map<String, Path> artifactFiles(Path dir, String sub) throws IOException {
    Path base = sub.isEmpty() ? dir : dir.resolve(sub);
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
