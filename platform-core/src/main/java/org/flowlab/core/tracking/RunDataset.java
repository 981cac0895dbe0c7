package org.flowlab.core.tracking;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.flowlab.core.data.DataSplits;
import org.flowlab.core.data.Points;

/**
 * The dataset a run trained on, recorded as the local tag {@value #TAG} (JSON: name, source, event
 * shape, and per split its size and digest) and sent to MLflow as the run's dataset inputs ({@code
 * runs/log-inputs}, one per split with its {@code mlflow.data.context}).
 */
public final class RunDataset {
  /** Local tag holding the dataset description. */
  public static final String TAG = "flowlab.dataset";

  private RunDataset() {}

  /**
   * The tag value for a run's data.
   *
   * @param path the file or folder the data came from, or null for generated data
   */
  public static String tagValue(DataSplits data, String path) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("name", data.name());
    d.put("source", path == null || path.isBlank() ? "flowlab:" + data.name() : path);
    d.put("source_type", path == null || path.isBlank() ? "code" : "local");
    d.put("event_shape", data.eventShape().getShape());
    d.put("dtype", data.quantized() ? "uint8 pixels, dequantised to float32" : "float32");
    Map<String, Object> splits = new LinkedHashMap<>();
    splits.put("train", split(data.train()));
    splits.put("validation", split(data.val()));
    splits.put("test", split(data.test()));
    d.put("splits", splits);
    try {
      return JsonFiles.LINE_MAPPER.writeValueAsString(d);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Map<String, Object> split(Points p) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("points", p.count());
    s.put("digest", digest(p));
    return s;
  }

  /** The first 8 hex digits of the SHA-256 of the split's values. */
  private static String digest(Points p) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      if (p.quantized()) {
        sha.update(p.pixels());
      } else {
        float[] v = p.floats();
        ByteBuffer b = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        sha.update(b.array());
      }
      return HexFormat.of().formatHex(sha.digest()).substring(0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** MLflow's {@code runs/log-inputs} datasets for a tag value; empty when it is unreadable. */
  static List<Map<String, Object>> mlflowInputs(String tagValue) {
    List<Map<String, Object>> out = new ArrayList<>();
    JsonNode d;
    try {
      d = JsonFiles.LINE_MAPPER.readTree(tagValue);
    } catch (IOException e) {
      return out;
    }
    List<Long> shape = new ArrayList<>(List.of(-1L));
    d.path("event_shape").forEach(n -> shape.add(n.asLong()));
    String features =
        "[{\"type\": \"tensor\", \"tensor-spec\": {\"dtype\": \"float32\", \"shape\": "
            + shape.toString().replace(" ", "")
            + "}}]";
    Map<String, Object> schema = Map.of("mlflow_tensorspec", Map.of("features", features));
    String source =
        "local".equals(d.path("source_type").asText())
            ? "{\"uri\": " + quote(d.path("source").asText()) + "}"
            : "{\"generator\": " + quote(d.path("source").asText()) + "}";
    d.path("splits")
        .fields()
        .forEachRemaining(
            split -> {
              Map<String, Object> dataset = new LinkedHashMap<>();
              dataset.put("name", d.path("name").asText());
              dataset.put("digest", split.getValue().path("digest").asText());
              dataset.put("source_type", d.path("source_type").asText());
              dataset.put("source", source);
              dataset.put("schema", json(schema));
              dataset.put(
                  "profile", json(Map.of("num_points", split.getValue().path("points").asLong())));
              out.add(
                  Map.of(
                      "dataset",
                      dataset,
                      "tags",
                      List.of(Map.of("key", "mlflow.data.context", "value", split.getKey()))));
            });
    return out;
  }

  private static String json(Object o) {
    try {
      return JsonFiles.LINE_MAPPER.writeValueAsString(o);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String quote(String s) {
    return json(s);
  }
}
