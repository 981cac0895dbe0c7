package org.flowlab.core.config;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.flowlab.api.config.InvalidValueException;

/**
 * Loads an experiment: reads the YAML file, applies {@code dotted.key=value} overrides from the
 * command line, checks every key and type against {@link ExperimentConfig}, and binds it. Every
 * mistake becomes a {@link ConfigException} whose message names file, line, column and dotted key.
 */
public final class ConfigLoader {
  /** Reads YAML for {@link YamlTrees}, which finds duplicate keys itself and names both places. */
  static final YAMLFactory YAML = YAMLFactory.builder().build();

  /** Writes resolved configs: no {@code ---}, few quotes, numbers-as-strings quoted. */
  private static final YAMLFactory YAML_OUT =
      YAMLFactory.builder()
          .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
          .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
          .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
          .build();

  /**
   * Binds checked trees to records. The {@link TypeChecker} has already rejected what these
   * settings would let through; they are the second line.
   */
  static final ObjectMapper MAPPER =
      YAMLMapper.builder(YAML_OUT)
          .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          // Guards any direct read through this mapper; YamlTrees does its own duplicate check.
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
          .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
          .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
          .disable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
          .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
          .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
          .build();

  private ConfigLoader() {}

  /** Loads {@code yamlFile} without overrides. */
  public static LoadedConfig load(Path yamlFile) {
    return load(yamlFile, List.of());
  }

  /**
   * Loads {@code yamlFile} and applies {@code overrides} in order.
   *
   * @param overrides {@code dotted.key=value} strings, values read as YAML (scalars, {@code [flow,
   *     lists]}, {@code {flow: maps}})
   * @throws ConfigException for any bad input, with a one-line located message
   */
  public static LoadedConfig load(Path yamlFile, List<String> overrides) {
    String source = yamlFile.toString();
    String text;
    try {
      if (Files.isDirectory(yamlFile)) {
        throw new ConfigException(source, "", "is a directory, not a YAML file");
      }
      text = Files.readString(yamlFile);
    } catch (NoSuchFileException e) {
      throw new ConfigException(source, "", "file not found");
    } catch (AccessDeniedException e) {
      throw new ConfigException(source, "", "cannot read the file (permission denied)");
    } catch (CharacterCodingException e) {
      throw new ConfigException(source, "", "not UTF-8 text");
    } catch (IOException e) {
      throw new ConfigException(source, "", "cannot read the file: " + e.getMessage());
    }
    return parse(text, source, yamlFile, overrides);
  }

  /**
   * Loads a config from YAML text, e.g. one a sweep generated; messages name {@code sourceName},
   * and {@link LoadedConfig#source()} is {@code Path.of(sourceName)} (null if that is no path).
   */
  public static LoadedConfig parse(String yamlText, String sourceName, List<String> overrides) {
    Path path;
    try {
      path = Path.of(sourceName);
    } catch (InvalidPathException e) {
      path = null;
    }
    return parse(yamlText, sourceName, path, overrides);
  }

  private static LoadedConfig parse(String text, String source, Path path, List<String> overrides) {
    Locations index = new Locations(source + ":1:1");
    JsonNode root = YamlTrees.read(YAML, text, "", (l, c) -> source + ":" + l + ":" + c, index);
    if (root == null || root.isNull()) {
      throw new ConfigException(
          source + ":1:1", "", "the file is empty; expected a mapping with name, data and model");
    }
    if (!root.isObject()) {
      throw new ConfigException(
          index.locate(""),
          "",
          "the top level must be a mapping of keys (name, data, model, ...), got "
              + TypeChecker.describe(root));
    }
    ObjectNode tree = (ObjectNode) root;
    for (String override : overrides) {
      applyOverride(tree, override, index);
    }
    ObjectNode raw = tree.deepCopy();
    ExperimentConfig config = bind(tree, ExperimentConfig.class, "", index);
    return new LoadedConfig(config, path, raw, index);
  }

  /** Sets one {@code dotted.key=value} in {@code tree}; its keys are checked later, with all. */
  private static void applyOverride(ObjectNode tree, String override, Locations index) {
    String where = "command line override '" + override + "'";
    int eq = override.indexOf('=');
    if (eq <= 0) {
      throw new ConfigException(
          where, "", "expected dotted.key=value, e.g. training.batch_size=64");
    }
    String key = override.substring(0, eq).strip();
    String[] parts = key.split("\\.", -1);
    for (String part : parts) {
      if (part.isBlank()) {
        throw new ConfigException(where, "", "empty key segment in '" + key + "'");
      }
    }
    if (override.substring(eq + 1).isBlank()) {
      throw new ConfigException(
          where, key, "no value after '=' (write " + key + "=null for the default)");
    }
    Locations valueIndex = new Locations(where);
    JsonNode value;
    try {
      value = YamlTrees.read(YAML, override.substring(eq + 1), key, (l, c) -> where, valueIndex);
    } catch (ConfigException e) {
      throw new ConfigException(where, key, "cannot read the value: " + e.problem());
    }
    ObjectNode node = tree;
    String path = "";
    for (int i = 0; i < parts.length - 1; i++) {
      path = Locations.child(path, parts[i]);
      JsonNode next = node.get(parts[i]);
      if (next == null || next.isNull()) {
        next = node.putObject(parts[i]);
        index.removeSubtree(path);
        index.put(path, where);
      } else if (!next.isObject()) {
        throw new ConfigException(
            where,
            path,
            "holds "
                + TypeChecker.describe(next)
                + ", not a mapping, so it has no key '"
                + parts[i + 1]
                + "'");
      }
      node = (ObjectNode) next;
    }
    node.set(parts[parts.length - 1], value == null ? JsonNodeFactory.instance.nullNode() : value);
    index.removeSubtree(key);
    index.put(key, where);
    index.putAll(valueIndex);
  }

  /**
   * Checks {@code node} against {@code type} and binds it, turning every failure into a located
   * {@link ConfigException}.
   */
  static <T> T bind(ObjectNode node, Class<T> type, String path, Locations index) {
    new TypeChecker(index).checkRecord(node, type, path);
    try {
      return MAPPER.treeToValue(node, type);
    } catch (JsonMappingException e) {
      throw locate(e, path, index);
    } catch (IOException e) {
      throw new ConfigException(index.locate(path), path, e.getMessage());
    }
  }

  private static ConfigException locate(JsonMappingException e, String base, Locations index) {
    StringBuilder at = new StringBuilder(base);
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        at.append(at.length() == 0 ? "" : ".").append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        at.append('[').append(r.getIndex()).append(']');
      }
    }
    String recordPath = at.toString();
    for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
      if (c instanceof InvalidValueException bad) {
        String key = Locations.child(recordPath, bad.key());
        return new ConfigException(index.locate(key), key, bad.problem());
      }
      if (c instanceof IllegalArgumentException || c instanceof NullPointerException) {
        String problem = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
        return new ConfigException(index.locate(recordPath), recordPath, problem);
      }
    }
    String problem = e.getOriginalMessage();
    int nl = problem == null ? -1 : problem.indexOf('\n');
    return new ConfigException(
        index.locate(recordPath),
        recordPath,
        problem == null ? "invalid value" : nl < 0 ? problem : problem.substring(0, nl));
  }
}
