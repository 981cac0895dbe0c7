package org.flowlab.core.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.flowlab.api.random.Seeds;
import org.flowlab.core.config.ConfigException;
import org.flowlab.core.config.ConfigLoader;
import org.flowlab.core.config.LoadedConfig;
import org.flowlab.core.config.SweepConfig;

/**
 * The trials of a sweep: {@code grid} × {@code random} × {@code seeds}, in that nesting order (the
 * grid's first key varies slowest, seeds fastest). Random values are drawn from {@link Seeds}
 * streams of the experiment's seed, so the same file always gives the same trials. Each trial is
 * the experiment without its {@code sweep} block, with the trial's overrides applied, loaded and
 * validated like any config; its identity is its config hash.
 */
public final class SweepPlan {
  private static final ObjectMapper YAML =
      new ObjectMapper(
          YAMLFactory.builder().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).build());
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One trial.
   *
   * @param index 0-based position in the sweep
   * @param values swept dotted path → value, as written in the override
   * @param overrides the {@code dotted.path=value} overrides applied to the base experiment
   * @param config the trial's loaded config (no sweep block)
   */
  public record Trial(
      int index, Map<String, String> values, List<String> overrides, LoadedConfig config) {
    /** The trial's identity: the hash of its resolved config. */
    public String hash() {
      return config.configHash();
    }

    /** The child run's name, e.g. {@code trial-3-1a2b3c4d5e6f}. */
    public String runName() {
      return "trial-" + index + "-" + hash().substring(0, 12);
    }
  }

  private SweepPlan() {}

  /**
   * Expands a loaded experiment's {@code sweep} block into its trials.
   *
   * @throws ConfigException located, when the file has no sweep block or a trial's overrides make
   *     an invalid config
   */
  public static List<Trial> expand(LoadedConfig base) {
    SweepConfig sweep = base.config().sweep();
    if (sweep == null) {
      throw base.invalidValue("sweep", "is required for flowlab sweep (grid, random and/or seeds)");
    }
    ObjectNode tree = base.resolvedTree();
    tree.remove("sweep");
    String text;
    try {
      text = YAML.writeValueAsString(tree);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Map<String, String>> combos = new ArrayList<>();
    combos.add(new LinkedHashMap<>());
    for (Map.Entry<String, List<JsonNode>> axis : sweep.grid().entrySet()) {
      List<Map<String, String>> next = new ArrayList<>();
      for (Map<String, String> c : combos) {
        for (JsonNode v : axis.getValue()) {
          Map<String, String> m = new LinkedHashMap<>(c);
          m.put(axis.getKey(), render(v));
          next.add(m);
        }
      }
      combos = next;
    }
    List<Map<String, String>> draws = draws(sweep.random(), base.config().seed());
    List<Long> seeds = sweep.seeds().isEmpty() ? List.of() : sweep.seeds();
    String source = String.valueOf(base.source());
    List<Trial> trials = new ArrayList<>();
    for (Map<String, String> combo : combos) {
      for (Map<String, String> draw : draws) {
        for (int s = 0; s < Math.max(1, seeds.size()); s++) {
          Map<String, String> values = new LinkedHashMap<>(combo);
          values.putAll(draw);
          if (!seeds.isEmpty()) {
            values.put("seed", Long.toString(seeds.get(s)));
          }
          List<String> overrides = new ArrayList<>();
          values.forEach((k, v) -> overrides.add(k + "=" + v));
          values.replaceAll((k, v) -> display(v));
          int index = trials.size();
          LoadedConfig config;
          try {
            config = ConfigLoader.parse(text, source + " (sweep trial " + index + ")", overrides);
          } catch (ConfigException e) {
            throw new ConfigException(
                e.where(), e.key(), e.problem() + " (sweep trial " + index + ": " + values + ")");
          }
          trials.add(new Trial(index, values, List.copyOf(overrides), config));
        }
      }
    }
    return trials;
  }

  /** The random draws: one map per trial (a single empty map without a random block). */
  static List<Map<String, String>> draws(SweepConfig.RandomConfig random, long seed) {
    List<Map<String, String>> out = new ArrayList<>();
    if (random == null) {
      out.add(Map.of());
      return out;
    }
    for (int t = 0; t < random.trials(); t++) {
      Map<String, String> draw = new LinkedHashMap<>();
      for (Map.Entry<String, SweepConfig.Distribution> p : random.params().entrySet()) {
        SplittableRandom rng = Seeds.stream(seed, "sweep/random/" + p.getKey(), t);
        SweepConfig.Distribution d = p.getValue();
        String value;
        if (d.uniform() != null) {
          double lo = d.uniform().get(0);
          double hi = d.uniform().get(1);
          value = number(lo + rng.nextDouble() * (hi - lo));
        } else if (d.logUniform() != null) {
          double lo = Math.log(d.logUniform().get(0));
          double hi = Math.log(d.logUniform().get(1));
          value = number(Math.exp(lo + rng.nextDouble() * (hi - lo)));
        } else {
          value = render(d.choice().get(rng.nextInt(d.choice().size())));
        }
        draw.put(p.getKey(), value);
      }
      out.add(draw);
    }
    return out;
  }

  /** A double as YAML 1.1 reads it back exactly: shortest round-trip digits, signed exponent. */
  static String number(double v) {
    String s = Double.toString(v).toLowerCase(Locale.ROOT);
    return s.replaceFirst("e(\\d)", "e+$1");
  }

  /**
   * A value as a YAML flow scalar or collection (JSON is valid YAML; floats as {@link #number}).
   */
  static String render(JsonNode v) {
    if (v.isFloatingPointNumber()) {
      return number(v.doubleValue());
    }
    try {
      return JSON.writeValueAsString(v);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An override value for display: strings without their quotes. */
  static String display(String rendered) {
    if (rendered.startsWith("\"")) {
      try {
        return JSON.readTree(rendered).asText();
      } catch (IOException e) {
        return rendered;
      }
    }
    return rendered;
  }
}
