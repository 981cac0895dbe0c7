package org.flowlab.core.tracking;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The tags an MLflow run carries: the local tags as logged, plus the ones MLflow's UI reads (run
 * name, source, git commit, user, parent link) derived from the local record.
 */
final class MlflowRunTags {
  static final String RUN_NAME = "mlflow.runName";
  static final String USER = "mlflow.user";
  static final String SOURCE_NAME = "mlflow.source.name";
  static final String SOURCE_TYPE = "mlflow.source.type";
  static final String SOURCE_GIT_COMMIT = "mlflow.source.git.commit";
  static final String PARENT_RUN_ID = "mlflow.parentRunId";

  /** A sweep parent's local tag naming its best trial's local run id. */
  static final String BEST_RUN_ID = "flowlab.best_run_id";

  /** The same trial's MLflow run id, added on the server so it can be clicked and searched. */
  static final String BEST_MLFLOW_RUN_ID = "flowlab.best_mlflow_run_id";

  /** Experiment tag MLflow 3's UI reads to pick the experiment's view. */
  static final String EXPERIMENT_KIND = "mlflow.experimentKind";

  /** Its value for model training (the other is {@code genai_development}). */
  static final String MODEL_TRAINING = "custom_model_development";

  private final LocalRunStore store;
  private final String trackingUri;

  MlflowRunTags(LocalRunStore store, String trackingUri) {
    this.store = store;
    this.trackingUri = trackingUri;
  }

  /**
   * The run's MLflow name: a {@code mlflow.runName} tag the run set itself (a sweep trial named by
   * its swept values), else {@code <family>-<dataset>-<config hash, 7 chars>} once the run has
   * those, else the local run name.
   */
  String runName(LocalRunStore.Meta meta, Path dir) throws IOException {
    Map<String, String> tags = JsonFiles.readStringMap(dir.resolve(LocalRunStore.TAGS));
    String own = tags.get(RUN_NAME);
    if (own != null && !own.isBlank()) {
      return own;
    }
    String family = tags.get("flowlab.family");
    String hash = tags.get("flowlab.config_hash");
    String dataset = JsonFiles.readStringMap(dir.resolve(LocalRunStore.PARAMS)).get("data.name");
    if (family != null && hash != null && dataset != null) {
      return family + "-" + dataset + "-" + hash.substring(0, Math.min(7, hash.length()));
    }
    return meta.name();
  }

  /** The tags the MLflow run should carry. */
  Map<String, String> remoteTags(LocalRunStore.Meta meta, Path dir) throws IOException {
    Map<String, String> local = JsonFiles.readStringMap(dir.resolve(LocalRunStore.TAGS));
    Map<String, String> tags = new TreeMap<>(local);
    tags.put(RUN_NAME, runName(meta, dir));
    tags.put(MlflowTracker.TAG_LOCAL_RUN_ID, meta.id());
    tags.putIfAbsent(USER, System.getProperty("user.name", "unknown"));
    tags.putIfAbsent(SOURCE_TYPE, "LOCAL");
    String config = local.get("flowlab.config_file");
    tags.putIfAbsent(SOURCE_NAME, config != null ? config : "flowlab");
    String commit = local.get(RunTags.GIT_COMMIT);
    if (commit != null && !RunTags.UNKNOWN.equals(commit)) {
      tags.putIfAbsent(SOURCE_GIT_COMMIT, commit);
    }
    String best = local.get(BEST_RUN_ID);
    if (best != null) {
      mlflowRunId(best).ifPresent(id -> tags.put(BEST_MLFLOW_RUN_ID, id));
    }
    if (meta.parentRunId() != null) {
      tags.put(MlflowTracker.TAG_LOCAL_PARENT_ID, meta.parentRunId());
      mlflowRunId(meta.parentRunId()).ifPresent(id -> tags.put(PARENT_RUN_ID, id));
    }
    return tags;
  }

  /** Another local run's MLflow run id when it was already sent to this server. */
  private Optional<String> mlflowRunId(String localId) throws IOException {
    try {
      Optional<String> pid = store.resolveId(localId);
      if (pid.isPresent()) {
        MlflowSyncState ps = MlflowSyncState.read(store.runDir(pid.get()));
        if (ps != null && ps.mlflowRunId != null && trackingUri.equals(ps.trackingUri)) {
          return Optional.of(ps.mlflowRunId);
        }
      }
    } catch (IllegalArgumentException e) {
      // ambiguous id: no MLflow link
    }
    return Optional.empty();
  }
}
