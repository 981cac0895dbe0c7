package org.flowlab.core.tracking;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * One run's record: params, metrics by step (with timestamps), tags, artifacts and status. Writes
 * go to the local run folder at once; metrics may be buffered and are flushed by {@link #flush} and
 * {@link #finish}.
 */
public interface TrackedRun extends AutoCloseable {
  /**
   * The run's id (the local store's id; an MLflow run id is kept as the tag {@code
   * flowlab.mlflow_run_id}).
   */
  String id();

  /** The local folder of this run: checkpoints and artifacts are written under it. */
  Path dir();

  /** Logs params (string values); logging the same key again with the same value is allowed. */
  void logParams(Map<String, String> params) throws IOException;

  /** Sets tags. */
  void setTags(Map<String, String> tags) throws IOException;

  /** Logs one metric value at a step, timestamped now. */
  void logMetric(String key, double value, long step) throws IOException;

  /**
   * Copies a file into the run's artifacts under {@code artifactPath} (a relative folder, "" for
   * the root).
   */
  void logArtifact(Path file, String artifactPath) throws IOException;

  /**
   * Tag of a registry version exported from a run, {@code flowlab.model/<name>/<version>}; its
   * value is the version's artifact folder. An MLflow mirror registers each such version in
   * MLflow's model registry when it sends the run (again on {@code flowlab sync} if the server was
   * down).
   */
  String MODEL_TAG_PREFIX = "flowlab.model/";

  /**
   * Records a model version exported from this run: copies its folder ({@code log_prob.onnx},
   * {@code sample.onnx}, the card) into the artifacts under {@code models/<name>/} and tags the run
   * ({@link #MODEL_TAG_PREFIX}).
   *
   * @return the artifact folder, e.g. {@code models/quickstart/1}
   */
  default String recordModel(String name, int version, Path versionDir) throws IOException {
    String parent = "models/" + name;
    logArtifact(versionDir, parent);
    String artifact = parent + "/" + versionDir.getFileName();
    setTags(Map.of(MODEL_TAG_PREFIX + name + "/" + version, artifact));
    return artifact;
  }

  /** Writes buffered records and, for MLflow, tries to send what is pending. */
  void flush() throws IOException;

  /** Ends the run with a status and flushes. */
  void finish(Tracker.Status status) throws IOException;

  /**
   * Releases the run; a run still {@code RUNNING} is finished as {@code FINISHED}, so call {@link
   * #finish} with {@code FAILED} or {@code KILLED} first when the run did not end normally.
   */
  @Override
  void close() throws IOException;
}
