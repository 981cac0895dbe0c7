package org.flowlab.core.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.flowlab.api.random.Seeds;
import org.flowlab.core.config.ExperimentConfig.EvaluationConfig;
import org.flowlab.core.config.VaeConfig;
import org.flowlab.core.data.DataSplits;
import org.flowlab.core.data.Points;
import org.flowlab.core.data.Quantization;
import org.flowlab.core.eval.Evaluation;
import org.flowlab.core.eval.ImageGrid;

/**
 * Evaluates a trained VAE on the test split, in nats: {@code test/neg_elbo}, the −ELBO of every
 * test image (one posterior draw each), and {@code test/iw_nll}, the importance-weighted estimate
 * {@code −log (1/k) Σ_j p(x, z_j)/q(z_j | x)} with {@code k = iw_samples} draws per image over the
 * first {@code iw_images} test images (the IW-k bound of Burda et al., which approaches −log p(x)
 * from above as k grows), computed in chunks of at most {@value #ROWS_PER_CHUNK} draws with a
 * running log-sum-exp in double precision. Image grids: {@code samples.png} (decoder means of prior
 * draws) and {@code reconstructions.png} (test images, each row followed by the decoder means of
 * one posterior draw of each).
 */
public final class VaeEvaluation {
  private VaeEvaluation() {}

  /** Posterior draws evaluated in one chunk of the IW estimate. */
  static final int ROWS_PER_CHUNK = 4000;

  /**
   * Evaluates {@code model} and writes the grids into {@code outDir}.
   *
   * @param vae the IW budget ({@code iw_samples}, {@code iw_images})
   */
  public static Evaluation.Report evaluate(
      VaeModel model,
      DataSplits data,
      NDManager manager,
      long seed,
      VaeConfig vae,
      EvaluationConfig config,
      Path outDir)
      throws IOException {
    Files.createDirectories(outDir);
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put(
        "test/neg_elbo", -VaeObjective.meanElbo(model, data.test(), seed, "vae/test", manager));
    int images = vae.iwImages() == null ? data.test().count() : vae.iwImages();
    double[] logLikelihoods =
        iwLogLikelihoods(model, data.test().head(images), vae.iwSamples(), seed, manager);
    double sum = 0;
    for (double l : logLikelihoods) {
      sum -= l;
    }
    metrics.put("test/iw_nll", sum / logLikelihoods.length);
    metrics.put("test/iw_images", (double) logLikelihoods.length);
    metrics.put("test/iw_samples", (double) vae.iwSamples());
    List<Path> files = new ArrayList<>();
    if (config.plots() && data.images()) {
      files.add(samples(model, data.eventShape(), seed, config.sampleGrid(), manager, outDir));
      files.add(reconstructions(model, data, seed, config.sampleGrid(), manager, outDir));
    }
    return new Evaluation.Report(metrics, files);
  }

  /**
   * The IW-k estimate of {@code log p(x)} (nats) of every point of {@code points}, with {@code k}
   * posterior draws each: {@code logmeanexp_j log w_j}. The draws of point i come in order from
   * {@code Seeds.stream(seed, "vae/iw", i)}, so the estimate does not depend on the chunking.
   */
  public static double[] iwLogLikelihoods(
      VaeModel model, Points points, int k, long seed, NDManager manager) {
    return iwLogLikelihoods(model, points, k, seed, ROWS_PER_CHUNK, manager);
  }

  /**
   * {@link #iwLogLikelihoods(VaeModel, Points, int, long, NDManager)} in chunks of {@code rows}.
   */
  static double[] iwLogLikelihoods(
      VaeModel model, Points points, int k, long seed, int rows, NDManager manager) {
    int n = points.count();
    int dim = points.dim();
    int latent = model.latentDim();
    int perChunk = Math.min(k, rows); // draws of one point per chunk
    int pointsPerChunk = Math.max(1, rows / perChunk);
    double[] max = new double[n];
    double[] sumExp = new double[n];
    java.util.Arrays.fill(max, Double.NEGATIVE_INFINITY);
    for (int first = 0; first < n; first += pointsPerChunk) {
      int m = Math.min(pointsPerChunk, n - first);
      float[] values = new float[m * dim];
      points.copyRange(first, m, values, null, null);
      SplittableRandom[] draws = new SplittableRandom[m];
      for (int i = 0; i < m; i++) {
        draws[i] = Seeds.stream(seed, "vae/iw", first + i);
      }
      try (NDManager chunk = manager.newSubManager()) {
        NDArray x = chunk.create(values, new Shape(m, dim));
        VaeModel.Encoded encoded = model.encode(x);
        for (int s = 0; s < k; s += perChunk) {
          int c = Math.min(perChunk, k - s);
          try (NDManager sub = chunk.newSubManager()) {
            float[] noise = new float[m * c * latent];
            for (int i = 0; i < m; i++) {
              System.arraycopy(
                  Seeds.normal(draws[i], c * latent), 0, noise, i * c * latent, c * latent);
            }
            NDArray eps = sub.create(noise, new Shape((long) m * c, latent));
            NDArray xs = VaeModel.repeatRows(x, c);
            float[] logW = model.logWeights(xs, encoded.repeat(c), eps).toFloatArray();
            for (int i = 0; i < m; i++) {
              accumulate(logW, i * c, c, first + i, max, sumExp);
            }
          }
        }
      }
    }
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] = max[i] + Math.log(sumExp[i]) - Math.log(k);
    }
    return out;
  }

  /** Adds {@code exp(v[from .. from+c))} to point i's running sum, kept relative to its max. */
  private static void accumulate(float[] v, int from, int c, int i, double[] max, double[] sumExp) {
    double chunkMax = Double.NEGATIVE_INFINITY;
    for (int j = from; j < from + c; j++) {
      chunkMax = Math.max(chunkMax, v[j]);
    }
    double newMax = Math.max(max[i], chunkMax);
    double sum = sumExp[i] == 0 ? 0 : sumExp[i] * Math.exp(max[i] - newMax);
    for (int j = from; j < from + c; j++) {
      sum += Math.exp(v[j] - newMax);
    }
    max[i] = newMax;
    sumExp[i] = sum;
  }

  private static Path samples(
      VaeModel model, Shape eventShape, long seed, int grid, NDManager manager, Path outDir)
      throws IOException {
    Path file = outDir.resolve("samples.png");
    try (NDManager sub = manager.newSubManager()) {
      int n = grid * grid;
      NDArray z = VaeObjective.noise(sub, n, model.latentDim(), seed, "vae/samples", 0);
      ImageGrid.write(file, model.means(z).toFloatArray(), eventShape, grid, new Quantization(8));
    }
    return file;
  }

  private static Path reconstructions(
      VaeModel model, DataSplits data, long seed, int grid, NDManager manager, Path outDir)
      throws IOException {
    Path file = outDir.resolve("reconstructions.png");
    int dim = data.dim();
    int n = Math.min(grid * Math.max(1, grid / 2), data.test().count());
    int rows = (n + grid - 1) / grid;
    float[] originals = new float[n * dim];
    data.test().copyRange(0, n, originals, null, null);
    float[] rebuilt;
    try (NDManager sub = manager.newSubManager()) {
      NDArray x = sub.create(originals, new Shape(n, dim));
      NDArray eps = VaeObjective.noise(sub, n, model.latentDim(), seed, "vae/reconstructions", 0);
      rebuilt = model.means(model.posterior(model.encode(x), eps).z()).toFloatArray();
    }
    float[] interleaved = new float[2 * rows * grid * dim];
    for (int row = 0; row < rows; row++) {
      int count = Math.min(grid, n - row * grid);
      System.arraycopy(originals, row * grid * dim, interleaved, 2 * row * grid * dim, count * dim);
      System.arraycopy(
          rebuilt, row * grid * dim, interleaved, (2 * row + 1) * grid * dim, count * dim);
    }
    ImageGrid.write(file, interleaved, data.eventShape(), grid, new Quantization(8));
    return file;
  }
}
