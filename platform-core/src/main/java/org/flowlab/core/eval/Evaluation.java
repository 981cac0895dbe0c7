package org.flowlab.core.eval;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.random.Seeds;
import org.flowlab.core.config.ExperimentConfig.EvaluationConfig;
import org.flowlab.core.data.DataSplits;
import org.flowlab.core.data.Points;
import org.flowlab.core.data.ToyDensity;
import org.flowlab.core.train.Trainer;

/**
 * Evaluates a trained flow: test NLL in nats (exact where the family allows), the gap to the true
 * entropy where it is known, samples, and for 2D data a density heatmap beside samples and data;
 * for images test bits/dim and sample grids at several temperatures.
 */
public final class Evaluation {
  private Evaluation() {}

  /**
   * What evaluation measured and wrote.
   *
   * @param metrics {@code test/nll}; {@code test/inverse_error}; {@code test/bits_per_dim} for
   *     images; {@code test/nll_minus_entropy} and {@code data/entropy} when known; {@code
   *     test/true_nll} and {@code test/kl} when the true log-density is known
   * @param files the files written (plots, samples)
   */
  public record Report(Map<String, Double> metrics, List<Path> files) {}

  /**
   * Evaluates {@code flow} on the test split and writes plots and samples into {@code outDir}.
   *
   * <p>Vector data: {@code test/nll} (nats), the gap to the entropy where known, {@code
   * evaluation.samples} samples in {@code samples.npz}, and for 2D data {@code density.png}. Image
   * data: {@code test/nll} of the dequantised test set (fixed noise, {@link
   * Trainer#evaluationNoise}), {@code test/bits_per_dim}, and one {@code sample_grid}² grid per
   * temperature, {@code samples_T<t>.png}, those samples also in {@code samples.npz} (one array per
   * temperature, named {@code T<t>}).
   */
  public static Report evaluate(
      Flow flow,
      DataSplits data,
      NDManager manager,
      long seed,
      EvaluationConfig config,
      Path outDir)
      throws IOException {
    Files.createDirectories(outDir);
    Map<String, Double> metrics = new LinkedHashMap<>();
    List<Path> files = new ArrayList<>();
    double nll =
        Trainer.meanNll(flow, data, data.test(), Trainer.evaluationNoise(seed, "test"), manager);
    metrics.put("test/nll", nll);
    if (data.quantized()) {
      metrics.put("test/bits_per_dim", data.quantization().bitsPerDim(nll, data.dim()));
    }
    metrics.put("test/inverse_error", inverseError(flow, data, manager, seed));
    if (data.entropy().isPresent()) {
      metrics.put("data/entropy", data.entropy().getAsDouble());
      metrics.put("test/nll_minus_entropy", nll - data.entropy().getAsDouble());
    }
    if (data.truth() != null && data.truth().hasLogDensity() && data.test().count() > 0) {
      double trueNll =
          data.conditional()
              ? trueConditionalNll(data.truth(), data.test())
              : trueNll(data.truth(), data.test());
      metrics.put("test/true_nll", trueNll);
      metrics.put("test/kl", nll - trueNll);
    }
    if (data.images()) {
      files.addAll(imageSamples(flow, data, manager, seed, config, outDir));
      return new Report(metrics, files);
    }
    int samples = config.samples();
    if (samples > 0) {
      float[] contexts = data.conditional() ? testContexts(data, samples) : null;
      float[] drawn =
          contexts == null
              ? sample(flow, manager, seed, samples)
              : sample(flow, manager, seed, contexts, data.contextDim());
      Path samplesFile = outDir.resolve("samples.npz");
      try (NDManager sub = manager.newSubManager();
          OutputStream out = Files.newOutputStream(samplesFile)) {
        NDArray array = sub.create(drawn, new Shape(samples).addAll(data.eventShape()));
        array.setName("samples");
        NDList arrays = new NDList(array);
        if (contexts != null) {
          NDArray c = sub.create(contexts, new Shape(samples, data.contextDim()));
          c.setName("context");
          arrays.add(c);
        }
        arrays.encode(out, NDList.Encoding.NPZ);
      }
      files.add(samplesFile);
      if (config.plots() && data.eventShape().equals(new Shape(2)) && fewContexts(data)) {
        Path density = outDir.resolve("density.png");
        plotDensity(flow, data, manager, config.gridSize(), drawn, density);
        files.add(density);
        if (data.conditional()) {
          Path perContext = outDir.resolve("samples_by_context.png");
          plotSamplesByContext(flow, data, manager, seed, perContext);
          files.add(perContext);
        }
      }
    }
    return new Report(metrics, files);
  }

  /**
   * The largest {@code |decode(encode(x)) − x|} over the first {@value #INVERSE_CHECK_POINTS} test
   * points (dequantised with the test split's fixed noise): how exactly the trained flow inverts on
   * real data, in data space. Chunked as the NLL is ({@link Trainer#evaluationChunk}).
   */
  public static double inverseError(Flow flow, DataSplits data, NDManager manager, long seed) {
    Points head = data.test().head(Math.min(INVERSE_CHECK_POINTS, data.test().count()));
    float[] values = new float[head.count() * data.rowDim()];
    head.copyRange(
        0, head.count(), values, data.quantization(), Trainer.evaluationNoise(seed, "test"));
    int dim = data.rowDim();
    Shape rowShape = data.conditional() ? new Shape(dim) : data.eventShape();
    int chunk = Trainer.evaluationChunk(dim, manager.getDevice());
    double worst = 0;
    for (int start = 0; start < head.count(); start += chunk) {
      int count = Math.min(chunk, head.count() - start);
      try (NDScope scope = new NDScope();
          NDManager sub = manager.newSubManager()) {
        scope.suppressNotUsedWarning();
        float[] slice = java.util.Arrays.copyOfRange(values, start * dim, (start + count) * dim);
        NDArray batch = sub.create(slice, new Shape(count).addAll(rowShape));
        NDList rows = Trainer.rows(batch, data.contextDim());
        NDArray x = rows.get(0);
        NDArray c = rows.size() > 1 ? rows.get(1) : null;
        NDArray back = flow.decode(flow.encode(x, c, LogDetMode.EXACT).value(), c);
        double err = back.sub(x).abs().max().toType(DataType.FLOAT64, false).getDouble();
        worst = Double.isNaN(err) ? Double.NaN : Math.max(worst, err);
      }
    }
    return worst;
  }

  private static final int INVERSE_CHECK_POINTS = 256;

  /**
   * The true density's NLL on the test points, {@code −mean log p_true(x)}. The model's NLL minus
   * this is a Monte Carlo estimate of KL(p_true ‖ p_model) on the same points, so the test set's
   * sampling noise cancels, unlike in the gap to the entropy (on the 8 Gaussians test set of seed
   * 0, 20,000 points, the true NLL is 2.8210 against an entropy of 2.8318).
   */
  static double trueNll(ToyDensity truth, Points test) {
    float[] xy = test.floats();
    double sum = 0;
    for (int i = 0; i < test.count(); i++) {
      sum -= truth.logDensity(xy[2 * i], xy[2 * i + 1]);
    }
    return sum / test.count();
  }

  /**
   * The true conditional NLL of labelled test rows {@code (x, y, one-hot)}, {@code −mean log
   * p_true(x | label)}: the model's conditional NLL minus this estimates {@code E_c KL(p(·|c) ‖
   * q(·|c))} on the same points.
   */
  static double trueConditionalNll(ToyDensity truth, Points test) {
    float[] rows = test.floats();
    int stride = test.dim();
    double sum = 0;
    for (int i = 0; i < test.count(); i++) {
      sum -=
          truth.logDensity(
              rows[stride * i], rows[stride * i + 1], label(rows, stride * i + 2, stride - 2));
    }
    return sum / test.count();
  }

  /** The index of the largest of {@code k} values from {@code offset}: a one-hot's label. */
  private static int label(float[] values, int offset, int k) {
    int best = 0;
    for (int j = 1; j < k; j++) {
      if (values[offset + j] > values[offset + best]) {
        best = j;
      }
    }
    return best;
  }

  /** The contexts of the first {@code n} test rows (cycled when there are fewer), row-major. */
  public static float[] testContexts(DataSplits data, int n) {
    float[] rows = data.test().floats();
    int count = data.test().count();
    int k = data.contextDim();
    float[] out = new float[n * k];
    for (int i = 0; i < n; i++) {
      System.arraycopy(rows, (i % count) * data.rowDim() + data.dim(), out, i * k, k);
    }
    return out;
  }

  /** The points of continuous rows without their contexts, row-major. */
  private static float[] pointsOnly(DataSplits data, Points split) {
    if (!data.conditional()) {
      return split.floats();
    }
    float[] rows = split.floats();
    float[] out = new float[split.count() * data.dim()];
    for (int i = 0; i < split.count(); i++) {
      System.arraycopy(rows, i * data.rowDim(), out, i * data.dim(), data.dim());
    }
    return out;
  }

  /**
   * {@code n} samples at temperature 1 of a conditional flow, one per context row of {@code
   * contexts} ({@code n × contextDim}), from the same stream as {@link #sample(Flow, NDManager,
   * long, int)}.
   */
  public static float[] sample(
      Flow flow, NDManager manager, long seed, float[] contexts, int contextDim) {
    int n = contexts.length / contextDim;
    try (NDScope scope = new NDScope();
        NDManager sub = manager.newSubManager()) {
      scope.suppressNotUsedWarning();
      NDArray c = sub.create(contexts, new Shape(n, contextDim));
      return flow.sample(sub, n, c, 1.0, Seeds.stream(seed, "eval/sample"))
          .toType(DataType.FLOAT32, false)
          .toFloatArray();
    }
  }

  /** The file-name form of a temperature: 0, 0.7, 1. */
  public static String temperatureLabel(double t) {
    return java.math.BigDecimal.valueOf(t).stripTrailingZeros().toPlainString();
  }

  private static List<Path> imageSamples(
      Flow flow,
      DataSplits data,
      NDManager manager,
      long seed,
      EvaluationConfig config,
      Path outDir)
      throws IOException {
    List<Path> files = new ArrayList<>();
    if (!config.plots() && config.samples() == 0) {
      return files;
    }
    int side = config.sampleGrid();
    int n = side * side;
    NDList arrays = new NDList();
    try (NDManager sub = manager.newSubManager()) {
      for (double t : config.temperatures()) {
        String label = temperatureLabel(t);
        float[] drawn = sample(flow, manager, seed, n, t);
        if (config.plots()) {
          Path png = outDir.resolve("samples_T" + label + ".png");
          ImageGrid.write(png, drawn, data.eventShape(), side, data.quantization());
          files.add(png);
        }
        NDArray array = sub.create(drawn, new Shape(n).addAll(data.eventShape()));
        array.setName("T" + label);
        arrays.add(array);
      }
      if (config.samples() > 0) {
        Path samplesFile = outDir.resolve("samples.npz");
        try (OutputStream out = Files.newOutputStream(samplesFile)) {
          arrays.encode(out, NDList.Encoding.NPZ);
        }
        files.add(samplesFile);
      }
    }
    return files;
  }

  /** {@code n} samples at temperature 1 from a stream of the run seed, row-major. */
  public static float[] sample(Flow flow, NDManager manager, long seed, int n) {
    try (NDScope scope = new NDScope();
        NDManager sub = manager.newSubManager()) {
      scope.suppressNotUsedWarning();
      return flow.sample(sub, n, 1.0, Seeds.stream(seed, "eval/sample"))
          .toType(DataType.FLOAT32, false)
          .toFloatArray();
    }
  }

  /**
   * {@code n} samples at {@code temperature} from the stream {@code Seeds.stream(seed,
   * "eval/sample/T<t>")}, row-major.
   */
  public static float[] sample(Flow flow, NDManager manager, long seed, int n, double temperature) {
    Engine.getInstance().setRandomSeed(Seeds.stream(seed, "eval/engine").nextInt());
    try (NDScope scope = new NDScope();
        NDManager sub = manager.newSubManager()) {
      scope.suppressNotUsedWarning();
      return flow.sample(
              sub,
              n,
              temperature,
              Seeds.stream(seed, "eval/sample/T" + temperatureLabel(temperature)))
          .toType(DataType.FLOAT32, false)
          .toFloatArray();
    }
  }

  /** Most distinct test contexts whose mixture density.png draws (one grid pass each). */
  private static final int PLOTTED_CONTEXTS = 16;

  /**
   * Whether the density plot can show the model: unconditional data, or at most {@value
   * #PLOTTED_CONTEXTS} distinct test contexts (labels, not continuous table columns).
   */
  private static boolean fewContexts(DataSplits data) {
    if (!data.conditional()) {
      return true;
    }
    java.util.Set<List<Float>> seen = new java.util.HashSet<>();
    for (int i = 0; i < data.test().count() && seen.size() <= PLOTTED_CONTEXTS; i++) {
      seen.add(context(data, i));
    }
    return seen.size() <= PLOTTED_CONTEXTS;
  }

  /** The context of test row {@code i}. */
  private static List<Float> context(DataSplits data, int i) {
    float[] rows = data.test().floats();
    List<Float> c = new ArrayList<>();
    for (int j = 0; j < data.contextDim(); j++) {
      c.add(rows[i * data.rowDim() + data.dim() + j]);
    }
    return c;
  }

  /** Samples per context value in {@link #plotSamplesByContext}. */
  private static final int SAMPLES_PER_CONTEXT = 400;

  /**
   * One scatter panel per distinct test context, {@value #SAMPLES_PER_CONTEXT} samples of {@code x
   * | c} each, over the test points' range: what the flow learnt for each context value.
   */
  private static void plotSamplesByContext(
      Flow flow, DataSplits data, NDManager manager, long seed, Path out) {
    java.util.Set<List<Float>> contexts = new java.util.LinkedHashSet<>();
    for (int i = 0; i < data.test().count(); i++) {
      contexts.add(context(data, i));
    }
    List<List<Float>> sorted = new ArrayList<>(contexts);
    sorted.sort(java.util.Comparator.comparing(Object::toString).reversed());
    float[] test = pointsOnly(data, data.test());
    double[][] range = range2d(test);
    double[] lo = range[0];
    double[] hi = range[1];
    List<String> titles = new ArrayList<>();
    List<float[]> samples = new ArrayList<>();
    int k = data.contextDim();
    for (List<Float> c : sorted) {
      float[] tiled = new float[SAMPLES_PER_CONTEXT * k];
      for (int i = 0; i < tiled.length; i++) {
        tiled[i] = c.get(i % k);
      }
      samples.add(sample(flow, manager, seed, tiled, k));
      titles.add("samples | c = " + contextLabel(c));
    }
    Plots.scatterGrid(
        out, titles, samples, new double[] {lo[0], hi[0]}, new double[] {lo[1], hi[1]}, 4);
  }

  /** A one-hot context as its index ({@code #2}), any other as its values. */
  private static String contextLabel(List<Float> c) {
    int hot = -1;
    int ones = 0;
    boolean binary = true;
    for (int j = 0; j < c.size(); j++) {
      binary &= c.get(j) == 0f || c.get(j) == 1f;
      if (c.get(j) == 1f) {
        hot = j;
        ones++;
      }
    }
    return binary && ones == 1 ? "#" + hot : c.toString();
  }

  /**
   * The model's marginal log-density at {@code grid}, {@code log Σ_c w_c q(x | c)} over the
   * distinct test contexts c with their test frequencies w_c: what the plot of a conditional flow
   * shows next to the data.
   */
  private static float[] marginalLogProb(Flow flow, NDArray grid, DataSplits data, NDManager m) {
    Map<List<Float>, Integer> counts = new LinkedHashMap<>();
    for (int i = 0; i < data.test().count(); i++) {
      counts.merge(context(data, i), 1, Integer::sum);
    }
    int n = Math.toIntExact(grid.getShape().get(0));
    double[] sum = new double[n];
    for (Map.Entry<List<Float>, Integer> e : counts.entrySet()) {
      float[] tiled = new float[n * data.contextDim()];
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < data.contextDim(); j++) {
          tiled[i * data.contextDim() + j] = e.getKey().get(j);
        }
      }
      NDArray c = m.create(tiled, new Shape(n, data.contextDim()));
      float[] lp = flow.logProb(grid, c).toType(DataType.FLOAT32, false).toFloatArray();
      double w = (double) e.getValue() / data.test().count();
      for (int i = 0; i < n; i++) {
        sum[i] += w * Math.exp(lp[i]);
      }
    }
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) Math.log(sum[i]);
    }
    return out;
  }

  /** {lo, hi}: the smallest and largest x and y of row-major 2D points. */
  private static double[][] range2d(float[] points) {
    double[] lo = {Double.MAX_VALUE, Double.MAX_VALUE};
    double[] hi = {-Double.MAX_VALUE, -Double.MAX_VALUE};
    for (int i = 0; i < points.length; i++) {
      lo[i % 2] = Math.min(lo[i % 2], points[i]);
      hi[i % 2] = Math.max(hi[i % 2], points[i]);
    }
    return new double[][] {lo, hi};
  }

  private static void plotDensity(
      Flow flow, DataSplits data, NDManager manager, int gridSize, float[] drawn, Path out)
      throws IOException {
    float[] test = pointsOnly(data, data.test());
    double[][] range = range2d(test);
    double[] lo = range[0];
    double[] hi = range[1];
    double pad = 0.1 * Math.max(hi[0] - lo[0], hi[1] - lo[1]);
    double[] xs = Plots.linspace(lo[0] - pad, hi[0] + pad, gridSize);
    double[] ys = Plots.linspace(lo[1] - pad, hi[1] + pad, gridSize);
    double[][] logDensity = new double[gridSize][gridSize]; // [i][j] = log p(xs[i], ys[j])
    float[] points = new float[gridSize * 2];
    for (int j = 0; j < gridSize; j++) {
      for (int i = 0; i < gridSize; i++) {
        points[2 * i] = (float) xs[i];
        points[2 * i + 1] = (float) ys[j];
      }
      try (NDScope scope = new NDScope();
          NDManager sub = manager.newSubManager()) {
        scope.suppressNotUsedWarning();
        NDArray grid = sub.create(points, new Shape(gridSize, 2));
        float[] row =
            data.conditional()
                ? marginalLogProb(flow, grid, data, sub)
                : flow.logProb(grid).toType(DataType.FLOAT32, false).toFloatArray();
        for (int i = 0; i < gridSize; i++) {
          logDensity[i][j] = row[i];
        }
      }
    }
    int shown = Math.min(test.length, drawn.length);
    Plots.density2d(
        out, xs, ys, logDensity, drawn, java.util.Arrays.copyOf(test, shown), data.name());
  }
}
