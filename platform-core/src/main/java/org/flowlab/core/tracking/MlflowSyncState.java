package org.flowlab.core.tracking;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeMap;

/**
 * What has been sent of one local run to its MLflow mirror ({@code mlflow-sync.json} in the run
 * folder). Its presence marks a run as mirrored; it makes sending incremental and idempotent.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
final class MlflowSyncState {
  static final String FILE = "mlflow-sync.json";

  @JsonProperty("tracking_uri")
  public String trackingUri;

  @JsonProperty("experiment_id")
  public String experimentId;

  @JsonProperty("mlflow_run_id")
  public String mlflowRunId;

  @JsonProperty("artifact_uri")
  public String artifactUri;

  /** Byte offset per metrics file name up to which lines were sent. */
  @JsonProperty("metric_offsets")
  public TreeMap<String, Long> metricOffsets = new TreeMap<>();

  @JsonProperty("metric_points_sent")
  public long metricPointsSent;

  @JsonProperty("params_sent")
  public TreeMap<String, String> paramsSent = new TreeMap<>();

  @JsonProperty("tags_sent")
  public TreeMap<String, String> tagsSent = new TreeMap<>();

  /** Artifact path relative to the artifacts folder -> "size:mtime" of the copy sent. */
  @JsonProperty("artifacts_sent")
  public TreeMap<String, String> artifactsSent = new TreeMap<>();

  /** Model tag ({@code flowlab.model/<name>/<version>}) -> the MLflow model version created. */
  @JsonProperty("models_registered")
  public TreeMap<String, String> modelsRegistered = new TreeMap<>();

  /** Model tag -> the MLflow 3 logged model made for it ({@code none} on a server without). */
  @JsonProperty("logged_models")
  public TreeMap<String, String> loggedModels = new TreeMap<>();

  /** The dataset tag value whose inputs were logged ({@link RunDataset}). */
  @JsonProperty("dataset_sent")
  public String datasetSent;

  @JsonProperty("status_sent")
  public String statusSent;

  @JsonProperty("end_time_sent")
  public Long endTimeSent;

  static boolean exists(Path runDir) {
    return Files.isRegularFile(runDir.resolve(FILE));
  }

  static MlflowSyncState read(Path runDir) throws IOException {
    Path f = runDir.resolve(FILE);
    if (!Files.exists(f)) {
      return null;
    }
    return JsonFiles.MAPPER.readValue(f.toFile(), MlflowSyncState.class);
  }

  void write(Path runDir) throws IOException {
    JsonFiles.writeAtomic(runDir.resolve(FILE), this);
  }
}
