package org.flowlab.core.tracking;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Registers a model exported from a run in MLflow's model registry: the version's source is the
 * run's artifact folder (an MLflow Model: {@code MLmodel}, the ONNX files, the card), and the
 * version carries a description and tags read from the model card.
 */
final class MlflowModels {
  private final MlflowRest rest;

  MlflowModels(MlflowRest rest) {
    this.rest = rest;
  }

  /**
   * Registers one exported model. Where the server has MLflow 3's logged models, the model becomes
   * a logged model of the run (its files uploaded to it, the run's final metrics linked to it, the
   * run's outputs naming it) and the version's source is {@code models:/<model id>}; an older
   * server gets a version whose source is the run's artifact folder. Either way a version already
   * made from that source (a push interrupted after creating it) is reused.
   *
   * @param modelTag {@code flowlab.model/<name>/<version>}
   * @param artifactFolder the folder under the run's artifacts, e.g. {@code models/digits/1}
   * @return MLflow's version number
   */
  String register(String modelTag, String artifactFolder, Path runDir, MlflowSyncState s)
      throws IOException {
    String name = modelName(modelTag);
    Path folder = runDir.resolve(LocalRunStore.ARTIFACTS).resolve(artifactFolder);
    JsonNode card = card(folder);
    String modelId = loggedModel(modelTag, name, folder, runDir, card, s);
    String source = modelId != null ? "models:/" + modelId : s.artifactUri + "/" + artifactFolder;
    String filter = MlflowRunSender.encode("name='" + name.replace("'", "\\'") + "'");
    for (JsonNode v :
        rest.get("model-versions/search", "filter=" + filter + "&max_results=1000")
            .path("model_versions")) {
      if (source.equals(v.path("source").asText())) {
        return v.path("version").asText();
      }
    }
    try {
      rest.post("registered-models/create", Map.of("name", name));
    } catch (MlflowRest.HttpError e) {
      if (!e.hasCode("RESOURCE_ALREADY_EXISTS")) {
        throw e;
      }
    }
    Map<String, Object> create = new LinkedHashMap<>();
    create.put("name", name);
    create.put("source", source);
    create.put("run_id", s.mlflowRunId);
    if (modelId != null) {
      create.put("model_id", modelId);
    }
    create.put("description", description(card));
    create.put("tags", tags(card, s.mlflowRunId));
    return rest.post("model-versions/create", create)
        .path("model_version")
        .path("version")
        .asText();
  }

  /**
   * The MLflow 3 logged model for an export, created, filled and finalised once (its id is kept in
   * the sync state); null when the server has no logged models (MLflow 2).
   */
  private String loggedModel(
      String modelTag, String name, Path folder, Path runDir, JsonNode card, MlflowSyncState s)
      throws IOException {
    String known = s.loggedModels.get(modelTag);
    if ("none".equals(known)) {
      return null;
    }
    String modelId = known;
    if (modelId == null) {
      Map<String, Object> create = new LinkedHashMap<>();
      create.put("experiment_id", s.experimentId);
      create.put("name", name);
      create.put("model_type", "flowlab normalizing flow");
      create.put("source_run_id", s.mlflowRunId);
      create.put("tags", tags(card, s.mlflowRunId));
      JsonNode created;
      try {
        created = rest.postPath("/api/2.0/mlflow/logged-models", create);
      } catch (MlflowRest.HttpError e) {
        if (e.status == 404 || e.status == 405 || e.hasCode("ENDPOINT_NOT_FOUND")) {
          s.loggedModels.put(modelTag, "none");
          s.write(runDir);
          return null;
        }
        throw e;
      }
      modelId = created.path("model").path("info").path("model_id").asText();
      s.loggedModels.put(modelTag, modelId);
      s.write(runDir);
    }
    JsonNode info = rest.get("logged-models/" + modelId, "").path("model").path("info");
    if (!"LOGGED_MODEL_READY".equals(info.path("status").asText())) {
      String base = java.net.URI.create(info.path("artifact_uri").asText()).getPath();
      for (Map.Entry<String, Path> f : MlflowRunSender.artifactFiles(folder, "").entrySet()) {
        rest.upload(base + "/" + f.getKey(), f.getValue());
      }
      rest.patchPath(
          "/api/2.0/mlflow/logged-models/" + modelId,
          Map.of("model_id", modelId, "status", "LOGGED_MODEL_READY"));
      rest.post(
          "runs/outputs",
          Map.of(
              "run_id", s.mlflowRunId, "models", List.of(Map.of("model_id", modelId, "step", 0))));
      List<Map<String, Object>> finals = finalMetrics(runDir, modelId);
      if (!finals.isEmpty()) {
        rest.post(
            "runs/log-batch",
            Map.of(
                "run_id",
                s.mlflowRunId,
                "metrics",
                finals,
                "params",
                List.of(),
                "tags",
                List.of()));
      }
    }
    return modelId;
  }

  /** The last point of each of the run's metrics (system metrics aside), tied to the model. */
  private static List<Map<String, Object>> finalMetrics(Path runDir, String modelId)
      throws IOException {
    List<Map<String, Object>> out = new ArrayList<>();
    Path dir = runDir.resolve(LocalRunStore.METRICS);
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (var files = Files.list(dir)) {
      for (Path f : files.sorted().toList()) {
        if (!f.getFileName().toString().endsWith(LocalRunStore.METRIC_SUFFIX)) {
          continue;
        }
        List<MetricPoint> points = LocalRunStore.readMetricLines(f, 0, false).points();
        if (points.isEmpty() || points.get(0).key().startsWith("system/")) {
          continue;
        }
        MetricPoint last = points.get(points.size() - 1);
        if (!Double.isFinite(last.value())) {
          continue;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", MlflowRunSender.mlflowKey(last.key()));
        m.put("value", last.value());
        m.put("timestamp", last.timestamp());
        m.put("step", last.step());
        m.put("model_id", modelId);
        out.add(m);
      }
    }
    return out;
  }

  /** {@code flowlab.model/<name>/<version>} → name. */
  static String modelName(String tag) {
    String rest = tag.substring(TrackedRun.MODEL_TAG_PREFIX.length());
    return rest.substring(0, rest.lastIndexOf('/'));
  }

  private static JsonNode card(Path folder) throws IOException {
    Path file = folder.resolve("model-card.json");
    if (!Files.isRegularFile(file)) {
      return JsonFiles.LINE_MAPPER.createObjectNode();
    }
    return JsonFiles.LINE_MAPPER.readTree(file.toFile());
  }

  private static String description(JsonNode card) {
    if (card.path("family").isMissingNode()) {
      return "A normalizing flow exported by flowlab.";
    }
    return String.format(
        "%s normalizing flow, event shape %s, exported by flowlab from run %s."
            + " predict(x) returns log p(x) per row (ONNX Runtime);"
            + " predict(None, params={'mode': 'sample', 'n': 16, 'temperature': 1.0, 'seed': 0})"
            + " draws samples.",
        card.path("family").asText(), card.path("event_shape"), card.path("source_run").asText());
  }

  private static List<Map<String, String>> tags(JsonNode card, String mlflowRunId) {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("flowlab.source_run_mlflow", mlflowRunId);
    if (!card.path("family").isMissingNode()) {
      tags.put("flowlab.family", card.path("family").asText());
      tags.put("flowlab.source_run", card.path("source_run").asText());
      tags.put("flowlab.opset", card.path("opset").asText());
      JsonNode parity = card.path("parity");
      tags.put("parity.log_prob_max_abs_error", parity.path("log_prob_max_abs_error").asText());
      tags.put("parity.sample_max_abs_error", parity.path("sample_max_abs_error").asText());
      tags.put("parity.provider", parity.path("provider").asText());
      card.path("metrics")
          .fields()
          .forEachRemaining(
              m -> {
                if (!m.getKey().startsWith("system/")) {
                  tags.put("metric." + m.getKey(), m.getValue().asText());
                }
              });
    }
    List<Map<String, String>> out = new ArrayList<>();
    tags.forEach((k, v) -> out.add(Map.of("key", MlflowRunSender.mlflowKey(k), "value", v)));
    return out;
  }
}
