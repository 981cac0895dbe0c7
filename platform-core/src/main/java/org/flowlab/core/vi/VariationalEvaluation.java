package org.flowlab.core.vi;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.random.Seeds;
import org.flowlab.api.target.Target;
import org.flowlab.core.config.ExperimentConfig.EvaluationConfig;
import org.flowlab.core.eval.Evaluation;
import org.flowlab.core.eval.Plots;
import org.flowlab.core.train.Trainer;

/**
 * Evaluates a reverse-KL fit on {@code evaluation.samples} fresh samples of the flow, with
 * importance weights {@code log w = log p̃(x) − log q(x)}:
 *
 * <ul>
 *   <li>{@code test/elbo}: {@code mean(log w)}, a lower bound on log Z;
 *   <li>{@code test/log_z_is}: {@code log mean(w)}, the importance-sampling estimate of log Z;
 *   <li>{@code test/ess}: the effective sample size {@code (Σw)²/(N·Σw²)} as a fraction of N;
 *   <li>where log Z is known ({@code test/log_z}: the target's closed form, or for 2D targets the
 *       midpoint rule on a {@value #QUADRATURE_POINTS}² grid over the target's extent), {@code
 *       test/reverse_kl} = log Z − ELBO, the KL(q ‖ p) itself.
 * </ul>
 *
 * For 2D targets {@code target.png} shows the target density beside a histogram of the samples.
 */
public final class VariationalEvaluation {
  /** Points per axis of the quadrature grid for the log Z of a 2D target. */
  public static final int QUADRATURE_POINTS = 1000;

  private VariationalEvaluation() {}

  /** Evaluates {@code flow} against {@code target} and writes the 2D plot into {@code outDir}. */
  public static Evaluation.Report evaluate(
      Flow flow,
      Target target,
      NDManager manager,
      long seed,
      EvaluationConfig config,
      Path outDir,
      String title)
      throws IOException {
    Files.createDirectories(outDir);
    int n = Math.max(1, config.samples());
    int d = target.dim();
    double[] logW = new double[n];
    boolean plane = d == 2;
    float[] points = plane ? new float[2 * n] : null;
    SplittableRandom rng = Seeds.stream(seed, "evaluation/reverse-kl");
    int chunk = Trainer.evaluationChunk(d, manager.getDevice());
    for (int start = 0; start < n; start += chunk) {
      int count = Math.min(chunk, n - start);
      try (NDScope scope = new NDScope();
          NDManager sub = manager.newSubManager()) {
        scope.suppressNotUsedWarning();
        Flow.Sampled s = flow.sampleWithLogProb(sub, count, rng);
        double[] w = toDoubles(target.logDensity(s.x()).sub(s.logProb()));
        System.arraycopy(w, 0, logW, start, count);
        if (plane) {
          System.arraycopy(s.x().toFloatArray(), 0, points, 2 * start, 2 * count);
        }
      }
    }
    Map<String, Double> metrics = new LinkedHashMap<>();
    double elbo = 0;
    for (double v : logW) {
      elbo += v / n;
    }
    metrics.put("test/elbo", elbo);
    metrics.put("test/log_z_is", logMeanExp(logW));
    metrics.put("test/ess", effectiveSampleFraction(logW));
    OptionalDouble logZ = target.logNormalizer();
    if (logZ.isEmpty() && plane) {
      logZ = OptionalDouble.of(quadratureLogZ(target, manager));
    }
    if (logZ.isPresent()) {
      metrics.put("test/log_z", logZ.getAsDouble());
      metrics.put("test/reverse_kl", logZ.getAsDouble() - elbo);
    }
    List<Path> files = new ArrayList<>();
    if (plane && config.plots()) {
      Path plot = outDir.resolve("target.png");
      double[] axis = Plots.linspace(-target.extent(), target.extent(), config.gridSize());
      double[][] grid = logDensityGrid(target, axis, manager);
      Plots.targetAndSamples(plot, axis, axis, grid, points, title);
      files.add(plot);
    }
    return new Evaluation.Report(metrics, files);
  }

  /** {@code log mean exp(v)}, stable. */
  static double logMeanExp(double[] v) {
    double max = Double.NEGATIVE_INFINITY;
    for (double x : v) {
      max = Math.max(max, x);
    }
    double sum = 0;
    for (double x : v) {
      sum += Math.exp(x - max);
    }
    return max + Math.log(sum / v.length);
  }

  /** {@code (Σw)²/(N·Σw²)} for {@code w = exp(logW)}: 1 when every weight is equal. */
  static double effectiveSampleFraction(double[] logW) {
    double max = Double.NEGATIVE_INFINITY;
    for (double x : logW) {
      max = Math.max(max, x);
    }
    double sum = 0;
    double sumSq = 0;
    for (double x : logW) {
      double w = Math.exp(x - max);
      sum += w;
      sumSq += w * w;
    }
    return sum * sum / (logW.length * sumSq);
  }

  /**
   * {@code log ∫ p̃} over the square [−extent, extent]² by the midpoint rule on {@value
   * #QUADRATURE_POINTS}² cells.
   */
  static double quadratureLogZ(Target target, NDManager manager) {
    double e = target.extent();
    double h = 2 * e / QUADRATURE_POINTS;
    double[] axis = new double[QUADRATURE_POINTS];
    for (int i = 0; i < axis.length; i++) {
      axis[i] = -e + (i + 0.5) * h;
    }
    double[][] grid = logDensityGrid(target, axis, manager);
    double max = Double.NEGATIVE_INFINITY;
    for (double[] row : grid) {
      for (double v : row) {
        max = Math.max(max, v);
      }
    }
    double sum = 0;
    for (double[] row : grid) {
      for (double v : row) {
        sum += Math.exp(v - max);
      }
    }
    return max + Math.log(sum * h * h);
  }

  /** {@code grid[i][j] = log p̃(axis[i], axis[j])}, in blocks of rows. */
  private static double[][] logDensityGrid(Target target, double[] axis, NDManager manager) {
    int m = axis.length;
    int rowsPerBlock = Math.max(1, 65_536 / m);
    double[][] grid = new double[m][];
    for (int first = 0; first < m; first += rowsPerBlock) {
      int rows = Math.min(rowsPerBlock, m - first);
      float[] points = new float[2 * rows * m];
      for (int r = 0; r < rows; r++) {
        for (int j = 0; j < m; j++) {
          points[2 * (r * m + j)] = (float) axis[first + r];
          points[2 * (r * m + j) + 1] = (float) axis[j];
        }
      }
      try (NDScope scope = new NDScope();
          NDManager sub = manager.newSubManager()) {
        scope.suppressNotUsedWarning();
        double[] values = toDoubles(target.logDensity(sub.create(points, new Shape(rows * m, 2))));
        for (int r = 0; r < rows; r++) {
          grid[first + r] = java.util.Arrays.copyOfRange(values, r * m, (r + 1) * m);
        }
      }
    }
    return grid;
  }

  private static double[] toDoubles(NDArray a) {
    return a.toType(DataType.FLOAT64, false).toDoubleArray();
  }
}
