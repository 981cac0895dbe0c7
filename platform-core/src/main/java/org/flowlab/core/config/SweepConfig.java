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
 * @param launcher where trials run: {@code local} (child JVMs of the host, the default) or {@code
 *     slurm} (one Slurm job array per submission)
 * @param slurm the job array's resources, for {@code launcher: slurm}
 */
public record SweepConfig(
    Map<String, List<JsonNode>> grid,
    RandomConfig random,
    List<Long> seeds,
    Integer workers,
    String metric,
    String goal,
    String launcher,
    SlurmConfig slurm) {

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
    launcher =
        launcher == null ? "local" : Require.oneOf("launcher", launcher, List.of("local", "slurm"));
    slurm =
        slurm == null
            ? new SlurmConfig(null, null, null, null, null, null, null, null, null, null)
            : slurm;
    if (random != null) {
      for (String path : random.params().keySet()) {
        if (grid.containsKey(path)) {
          throw new InvalidValueException(
              "random.params." + path, "is swept by the grid already; sweep it in one place");
        }
      }
    }
  }

  /** True when trials are submitted to Slurm as a job array. */
  public boolean onSlurm() {
    return "slurm".equals(launcher);
  }

  /**
   * {@code sweep.slurm}: what each array task asks Slurm for. Every field but the defaults below is
   * left to the cluster when absent.
   *
   * @param partition {@code --partition}
   * @param time {@code --time}, e.g. {@code 2:00:00}
   * @param cpusPerTask {@code --cpus-per-task} (default 1); also the trial's intra-op threads
   * @param mem {@code --mem}, e.g. {@code 8G}
   * @param gpus GPUs per trial, {@code --gres=gpu:N} (default 0: none asked)
   * @param account {@code --account}
   * @param qos {@code --qos}
   * @param extra further {@code #SBATCH} lines, e.g. {@code --constraint=a100}
   * @param maxConcurrent at most this many tasks at once ({@code %K} of {@code --array})
   * @param pollSeconds how often the waiting host asks Slurm for progress (default 10)
   */
  public record SlurmConfig(
      String partition,
      String time,
      Integer cpusPerTask,
      String mem,
      Integer gpus,
      String account,
      String qos,
      List<String> extra,
      Integer maxConcurrent,
      Integer pollSeconds) {
    public SlurmConfig {
      plain("partition", partition);
      plain("time", time);
      plain("mem", mem);
      plain("account", account);
      plain("qos", qos);
      cpusPerTask = Require.atLeast("cpus_per_task", cpusPerTask == null ? 1 : cpusPerTask, 1);
      gpus = Require.atLeast("gpus", gpus == null ? 0 : gpus, 0);
      extra = extra == null ? List.of() : List.copyOf(extra);
      for (String line : extra) {
        if (line == null || line.isBlank() || line.contains("\n") || line.contains("\r")) {
          throw new InvalidValueException("extra", "each entry is one sbatch option on one line");
        }
      }
      if (maxConcurrent != null) {
        Require.atLeast("max_concurrent", maxConcurrent, 1);
      }
      pollSeconds = Require.atLeast("poll_seconds", pollSeconds == null ? 10 : pollSeconds, 1);
    }

    private static void plain(String key, String value) {
      if (value != null && !value.matches("[A-Za-z0-9_.:+-]+")) {
        throw new InvalidValueException(
            key, "must be a plain Slurm value (letters, digits, _ . : + -), got '" + value + "'");
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
