package org.flowlab.core.tracking;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.flowlab.core.io.AtomicFiles;

/** Small JSON helpers for the run store: atomic writes and lenient reads. */
final class JsonFiles {
  static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .build();

  /** Compact mapper for one-line records (metric lines). */
  static final ObjectMapper LINE_MAPPER =
      JsonMapper.builder().enable(JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS).build();

  private JsonFiles() {}

  /** Writes {@code value} as JSON to {@code target} atomically: temp file, fsync, rename. */
  static void writeAtomic(Path target, Object value) throws IOException {
    writeAtomic(target, MAPPER.writeValueAsBytes(value));
  }

  /** Writes bytes to {@code target} atomically: temp file in the same folder, fsync, rename. */
  static void writeAtomic(Path target, byte[] bytes) throws IOException {
    AtomicFiles.write(target, bytes);
  }

  /**
   * Reads a JSON tree, or null when the file does not exist.
   *
   * @throws IOException naming the file when it is empty or not whole JSON (a torn write)
   */
  static JsonNode readTree(Path file) throws IOException {
    if (!Files.exists(file)) {
      return null;
    }
    JsonNode node;
    try {
      node = MAPPER.readTree(file.toFile());
    } catch (JsonProcessingException e) {
      throw new IOException(file + ": not whole JSON (" + e.getOriginalMessage() + ")");
    }
    if (node == null || node.isMissingNode()) {
      throw new IOException(file + ": empty");
    }
    return node;
  }

  /** Reads a flat JSON object of strings (params, tags); empty when the file does not exist. */
  static Map<String, String> readStringMap(Path file) throws IOException {
    JsonNode node = readTree(file);
    Map<String, String> map = new TreeMap<>();
    if (node != null && node.isObject()) {
      node.fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue().asText()));
    }
    return map;
  }

  /** Writes a flat JSON object of strings, keys sorted, atomically. */
  static void writeStringMap(Path file, Map<String, String> map) throws IOException {
    writeAtomic(file, new LinkedHashMap<>(new TreeMap<>(map)));
  }
}
