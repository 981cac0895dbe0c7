package org.flowlab.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.flowlab.api.config.InvalidValueException;
import org.flowlab.api.config.Require;

/**
 * {@code sweep}: the trials a {@code flowlab sweep} runs. Trials are {@code grid} × {@code random}
 * × {@code seeds}; each is a list of {@code dotted.path=value} overrides of the experiment itself.
 *
 * @param grid dotted path → the values to try (every combination is run)
 * @param random randomly drawn trials (drawn from the experiment seed, so reproducible)
 * @param seeds experiment seeds to repeat every trial with; empty means the experiment's seed
 * @param workers how many trials run at once (default: the number of cores)
 * @param metric the metric the summary sorts by (default {@code test/nll})
 * @param goal {@code minimize} (default) or {@code maximize}
 */
public record SweepConfig(
    Map<String, List<JsonNode>> grid,
    RandomConfig random,
    List<Long> seeds,
    Integer workers,
    String metric,
    String goal) {

  public SweepConfig {
    if (grid != null && grid.isEmpty()) {
      throw new InvalidValueException(
          "grid", "is empty: give at least one path to sweep, or leave it out");
    }
    if (seeds != null && seeds.isEmpty()) {
      throw new InvalidValueException("seeds", "is empty: give at least one seed, or leave it out");
    }
    grid = grid == null ? Map.of() : new LinkedHashMap<>(grid);
    for (Map.Entry<String, List<JsonNode>> e : grid.entrySet()) {
      checkPath("grid." + e.getKey(), e.getKey());
      if (e.getValue() == null || e.getValue().isEmpty()) {
        throw new InvalidValueException("grid." + e.getKey(), "needs at least one value");
      }
      e.setValue(List.copyOf(e.getValue()));
    }
    seeds = seeds == null ? List.of() : List.copyOf(seeds);
    for (long s : seeds) {
      Require.atLeast("seeds", s, 0L);
    }
    workers =
        Require.atLeast(
            "workers",
            workers == null ? Math.max(1, Runtime.getRuntime().availableProcessors()) : workers,
            1);
    metric = metric == null ? "test/nll" : metric;
    if (metric.isBlank()) {
      throw new InvalidValueException("metric", "must not be blank");
    }
    goal = goal == null ? "minimize" : Require.oneOf("goal", goal, List.of("minimize", "maximize"));
    if (random != null) {
      for (String path : random.params().keySet()) {
        if (grid.containsKey(path)) {
          throw new InvalidValueException(
              "random.params." + path, "is swept by the grid already; sweep it in one place");
        }
      }
    }
  }

  /** True when larger values of {@link #metric} are better. */
  public boolean maximize() {
    return "maximize".equals(goal);
  }

  /**
   * {@code sweep.random}: {@code trials} draws of every parameter in {@code params}.
   *
   * @param trials how many draws (at least 1)
   * @param params dotted path → its distribution
   */
  public record RandomConfig(Integer trials, Map<String, Distribution> params) {
    public RandomConfig {
      if (trials == null) {
        throw new InvalidValueException("trials", "is required");
      }
      Require.atLeast("trials", trials, 1);
      if (params == null || params.isEmpty()) {
        throw new InvalidValueException("params", "needs at least one parameter to draw");
      }
      params = new LinkedHashMap<>(params);
      for (Map.Entry<String, Distribution> e : params.entrySet()) {
        checkPath("params." + e.getKey(), e.getKey());
        if (e.getValue() == null) {
          throw new InvalidValueException(
              "params." + e.getKey(), "needs one of uniform, log_uniform or choice");
        }
      }
    }
  }

  /**
   * One drawn parameter: exactly one of {@code uniform: [lo, hi]}, {@code log_uniform: [lo, hi]}
   * (lo &gt; 0) or {@code choice: [values]}.
   */
  public record Distribution(List<Double> uniform, List<Double> logUniform, List<JsonNode> choice) {
    public Distribution {
      int given =
          (uniform != null ? 1 : 0) + (logUniform != null ? 1 : 0) + (choice != null ? 1 : 0);
      if (given != 1) {
        throw new InvalidValueException(
            "", "give exactly one of uniform: [lo, hi], log_uniform: [lo, hi] or choice: [...]");
      }
      if (uniform != null) {
        uniform = range("uniform", uniform, false);
      }
      if (logUniform != null) {
        logUniform = range("log_uniform", logUniform, true);
      }
      if (choice != null) {
        if (choice.isEmpty()) {
          throw new InvalidValueException("choice", "needs at least one value");
        }
        choice = List.copyOf(choice);
      }
    }

    private static List<Double> range(String key, List<Double> r, boolean positive) {
      if (r.size() != 2) {
        throw new InvalidValueException(key, "must be [lo, hi], got " + r.size() + " numbers");
      }
      if (!(r.get(0) < r.get(1))) {
        throw new InvalidValueException(key, "needs lo < hi, got " + r);
      }
      if (positive && !(r.get(0) > 0)) {
        throw new InvalidValueException(key, "needs lo > 0, got " + r.get(0));
      }
      return List.copyOf(r);
    }
  }

  private static void checkPath(String key, String path) {
    if (!path.matches("[A-Za-z0-9_]+(\\.[A-Za-z0-9_]+)*")) {
      throw new InvalidValueException(
          key, "must be a dotted config path like training.optimizer.lr");
    }
    if (path.equals("sweep") || path.startsWith("sweep.")) {
      throw new InvalidValueException(key, "a sweep cannot sweep its own sweep block");
    }
  }
}
