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
   * Creates the registered model (if new) and a version whose source is the run's artifact folder;
   * a version with that source already there (a push interrupted after creating it) is reused.
   *
   * @param modelTag {@code flowlab.model/<name>/<version>}
   * @param artifactFolder the folder under the run's artifacts, e.g. {@code models/digits/1}
   * @return MLflow's version number
   */
  String register(String modelTag, String artifactFolder, Path runDir, MlflowSyncState s)
      throws IOException {
    String name = modelName(modelTag);
    String source = s.artifactUri + "/" + artifactFolder;
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
    JsonNode card = card(runDir.resolve(LocalRunStore.ARTIFACTS).resolve(artifactFolder));
    Map<String, Object> create = new LinkedHashMap<>();
    create.put("name", name);
    create.put("source", source);
    create.put("run_id", s.mlflowRunId);
    create.put("description", description(card));
    create.put("tags", tags(card, s.mlflowRunId));
    return rest.post("model-versions/create", create)
        .path("model_version")
        .path("version")
        .asText();
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
          .forEachRemaining(m -> tags.put("metric." + m.getKey(), m.getValue().asText()));
    }
    List<Map<String, String>> out = new ArrayList<>();
    tags.forEach((k, v) -> out.add(Map.of("key", MlflowRunSender.mlflowKey(k), "value", v)));
    return out;
  }
}
