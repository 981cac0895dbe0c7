package org.flowlab.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import org.flowlab.core.config.ExperimentConfig.ModelConfig;

/**
 * A loaded, validated experiment config: the bound records, where they came from, and the resolved
 * config (every default filled in) as a tree, as YAML and as a hash. Also builds located errors for
 * checks the host makes after loading (unknown family, unknown dataset).
 *
 * <p>Call {@link #bindParams} once the family is known: it binds {@code model.params} and puts the
 * family's resolved params into {@link #resolvedYaml()} and {@link #configHash()}.
 */
public final class LoadedConfig {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path source;
  private final ObjectNode raw;
  private final Locations index;
  private ExperimentConfig config;
  private ObjectNode resolved;

  LoadedConfig(ExperimentConfig config, Path source, ObjectNode raw, Locations index) {
    this.config = config;
    this.source = source;
    this.raw = raw;
    this.index = index;
    this.resolved = ConfigLoader.MAPPER.valueToTree(config);
    if (config.sweep() == null) {
      // A config without a sweep block resolves (and hashes) as it did before sweeps existed.
      resolved.remove("sweep");
    }
    if (config.export() == null) {
      resolved.remove("export"); // likewise for export
    }
    if ("float32".equals(config.training().precision())) {
      // likewise for the default precision: runs made before the key existed keep their hash
      resolved.withObject("/training").remove("precision");
    }
    if (config.target() == null) {
      resolved.remove("target"); // likewise for a run on data
    }
    if (config.data() == null) {
      resolved.remove("data"); // a reverse_kl run has a target instead
    } else if (config.data().condition() == null) {
      resolved.withObject("/data").remove("condition"); // unconditional runs keep their hash
    }
    if (!config.model().variationalAutoencoder()) {
      // flow models (the default kind) keep the hash they had before model.kind existed
      resolved.withObject("/model").remove(List.of("kind", "vae"));
    }
    if ("maximum_likelihood".equals(config.training().objective())) {
      // likewise for the default objective
      resolved.withObject("/training").remove("objective");
    }
  }

  /**
   * The bound config; after {@link #bindParams}, {@code model.params} holds the resolved params.
   */
  public ExperimentConfig config() {
    return config;
  }

  /** The YAML file this config was read from. */
  public Path source() {
    return source;
  }

  /** The resolved config (snake_case keys, defaults filled in), as a fresh copy. */
  public ObjectNode resolvedTree() {
    return resolved.deepCopy();
  }

  /**
   * The resolved config flattened to dotted keys ({@code training.optimizer.lr} → {@code 0.001}):
   * the params a tracker records. Lists stay whole ({@code [64, 64]}).
   */
  public java.util.Map<String, String> flatParams() {
    java.util.Map<String, String> flat = new java.util.TreeMap<>();
    flatten("", resolvedTree(), flat);
    return flat;
  }

  private static void flatten(String prefix, JsonNode node, java.util.Map<String, String> out) {
    if (node.isObject()) {
      node.fields()
          .forEachRemaining(
              e ->
                  flatten(
                      prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(),
                      e.getValue(),
                      out));
    } else if (node.isArray()) {
      out.put(prefix, node.toString().replace(",", ", "));
    } else if (!node.isNull()) {
      out.put(prefix, node.asText());
    }
  }

  /** The resolved config as YAML; loading it again gives an equal config. */
  public String resolvedYaml() {
    try {
      return ConfigLoader.MAPPER.writeValueAsString(resolved);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * SHA-256 (lower-case hex) of the resolved config written as JSON with keys sorted at every
   * level: independent of key order, layout and comments in the file, and of whether a value was
   * written or defaulted.
   */
  public String configHash() {
    return hash(resolved);
  }

  /**
   * SHA-256 (lower-case hex) of a config tree written as JSON with keys sorted at every level, as
   * {@link #configHash()} computes it; e.g. for a resolved tree with some keys left out.
   */
  public static String hash(JsonNode tree) {
    try {
      byte[] canonical = JSON.writeValueAsString(sorted(tree)).getBytes(StandardCharsets.UTF_8);
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from the JVM", e);
    }
  }

  /**
   * Binds {@code model.params} (absent or null means: all defaults) to the family's config record,
   * as strictly as the rest of the config, and records the result as the resolved params.
   *
   * @throws ConfigException located at {@code model.params.<key>}
   */
  public <C> C bindParams(Class<C> type) {
    JsonNode given = raw.path("model").path("params");
    ObjectNode params;
    if (given.isMissingNode() || given.isNull()) {
      params = JsonNodeFactory.instance.objectNode();
    } else if (given.isObject()) {
      params = ((ObjectNode) given).deepCopy();
    } else {
      throw invalidValue(
          "model.params",
          "expected a mapping of the family's parameters, got " + TypeChecker.describe(given));
    }
    C bound = ConfigLoader.bind(params, type, "model.params", index);
    ObjectNode boundTree = ConfigLoader.MAPPER.valueToTree(bound);
    ModelConfig current = config.model();
    ModelConfig model = new ModelConfig(current.kind(), current.family(), boundTree, current.vae());
    config =
        new ExperimentConfig(
            config.name(),
            config.seed(),
            config.data(),
            model,
            config.training(),
            config.evaluation(),
            config.tracking(),
            config.sweep(),
            config.export(),
            config.target());
    resolved.withObject("/model").set("params", boundTree.deepCopy());
    return bound;
  }

  /**
   * Binds {@code target.params} (absent or null means: all defaults) to the target's config record,
   * as {@link #bindParams} binds the model's, and records the result as the resolved params.
   *
   * @throws ConfigException located at {@code target.params.<key>}
   */
  public <C> C bindTargetParams(Class<C> type) {
    JsonNode given = raw.path("target").path("params");
    ObjectNode params =
        given.isObject() ? ((ObjectNode) given).deepCopy() : JsonNodeFactory.instance.objectNode();
    C bound = ConfigLoader.bind(params, type, "target.params", index);
    resolved.withObject("/target").set("params", ConfigLoader.MAPPER.valueToTree(bound));
    return bound;
  }

  /**
   * The located error for a {@code model.family} no installed plugin provides, e.g. {@code
   * model.family: unknown family 'realnvpp' (installed: nice, realnvp); did you mean 'realnvp'?}.
   */
  public ConfigException unknownFamily(Collection<String> installed) {
    return unknownFamily(installed, List.of());
  }

  /**
   * As {@link #unknownFamily(Collection)}, also naming the plugins that failed to load ({@code
   * <plugin>: <reason>}), which is often why the family is missing.
   */
  public ConfigException unknownFamily(Collection<String> installed, List<String> failedPlugins) {
    String family = config.model().family();
    List<String> names = TypeChecker.Suggest.sorted(installed);
    StringBuilder problem = new StringBuilder("unknown family '").append(family).append("' (");
    problem.append(
        names.isEmpty() ? "no families installed" : "installed: " + String.join(", ", names));
    if (!failedPlugins.isEmpty()) {
      problem.append("; failed plugins: ").append(String.join("; ", failedPlugins));
    }
    problem.append(')');
    String best = TypeChecker.Suggest.closest(family, names);
    if (best != null) {
      problem.append("; did you mean '").append(best).append("'?");
    }
    return invalidValue("model.family", problem.toString());
  }

  /**
   * The located error for a {@code target.name} no target has, e.g. {@code target.name: unknown
   * target 'u5' (available: banana, ..., u4); did you mean 'u4'?}.
   */
  public ConfigException unknownTarget(Collection<String> available) {
    String name = config.target().name();
    List<String> names = TypeChecker.Suggest.sorted(available);
    String problem = "unknown target '" + name + "' (available: " + String.join(", ", names) + ")";
    String best = TypeChecker.Suggest.closest(name, names);
    return invalidValue(
        "target.name", best == null ? problem : problem + "; did you mean '" + best + "'?");
  }

  /**
   * A located error for a check made after loading, e.g. {@code invalidValue("data.name", "unknown
   * dataset 'mons' (available: moons, ...)")}. Keys missing from the file are located at their
   * nearest present parent.
   */
  public ConfigException invalidValue(String dottedKey, String problem) {
    return new ConfigException(index.locate(dottedKey), dottedKey, problem);
  }

  /** A copy of {@code node} with the keys of every mapping in sorted order. */
  private static JsonNode sorted(JsonNode node) {
    if (node.isObject()) {
      List<String> names = new ArrayList<>();
      node.fieldNames().forEachRemaining(names::add);
      names.sort(null);
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      for (String n : names) {
        out.set(n, sorted(node.get(n)));
      }
      return out;
    }
    if (node.isArray()) {
      var out = JsonNodeFactory.instance.arrayNode();
      node.forEach(e -> out.add(sorted(e)));
      return out;
    }
    return node;
  }
}
