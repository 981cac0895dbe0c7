package org.flowlab.api.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.flowlab.api.random.Seeds;

/**
 * Spectral normalisation of a weight matrix by power iteration (Miyato et al. 2018; Behrmann et al.
 * 2019): the normalised weight is {@code W·min(1, c/σ̂)}, where σ̂ = uᵀWv estimates the largest
 * singular value of W, so the map {@code x ↦ xWᵀ} has Lipschitz constant at most about c.
 *
 * <p>The singular vectors u (length {@code out}) and v (length {@code in}) are buffers registered
 * in the scope ({@code u}, {@code v}), so checkpoints carry them.
 *
 * <p>When the vectors update: only {@link #weight(boolean) weight(true)} — the training (ESTIMATE)
 * calls — refines them: {@code iterations} power-iteration steps as engine ops on the detached
 * weight, starting from the stored vectors, written back in place; σ̂ = uᵀWv is then an engine op
 * with u and v held fixed, so gradients flow through W (as in the papers). {@code weight(false)}
 * (EXACT evaluation and inverses) runs the power iteration on the host in double precision from
 * copies of the stored vectors, at least {@code iterations} steps and on until σ̂ changes by less
 * than {@code tolerance} relative (at most {@link #MAX_ITERATIONS}), and leaves the buffers alone:
 * it is a pure function of W and the stored vectors, so an inverse after an evaluation forward sees
 * bitwise the same normalised weight, and evaluation never changes what a checkpoint holds. With
 * warm vectors (training refines them every step) both modes agree closely.
 */
public final class SpectralNorm {
  /** Cap on the power-iteration steps of one call. */
  public static final int MAX_ITERATIONS = 500;

  private final NDArray weight;
  private final NDArray u;
  private final NDArray v;
  private final double coeff;
  private final int iterations;
  private final double tolerance;
  private final int rows;
  private final int cols;
  private double lastSigma = Double.NaN;

  /**
   * @param scope where the buffers {@code u} and {@code v} are registered (random unit vectors)
   * @param weight the weight to normalise, shape (out, in), usually a trainable parameter
   * @param coeff the target Lipschitz bound c, in (0, 1] for invertible residual blocks
   * @param iterations the least number of power-iteration steps per call, at least 1
   * @param tolerance relative change of σ̂ below which the iteration stops, positive
   */
  public SpectralNorm(
      ParameterScope scope, NDArray weight, double coeff, int iterations, double tolerance) {
    if (weight.getShape().dimension() != 2) {
      throw new IllegalArgumentException("spectral norm needs a matrix, got " + weight.getShape());
    }
    if (!(coeff > 0) || iterations < 1 || !(tolerance > 0)) {
      throw new IllegalArgumentException(
          "spectral norm needs coeff > 0, iterations >= 1, tolerance > 0");
    }
    this.weight = weight;
    this.rows = Math.toIntExact(weight.getShape().get(0));
    this.cols = Math.toIntExact(weight.getShape().get(1));
    this.u = scope.buffer("u", new Shape(rows), unitVector());
    this.v = scope.buffer("v", new Shape(cols), unitVector());
    this.coeff = coeff;
    this.iterations = iterations;
    this.tolerance = tolerance;
  }

  private static Initializer unitVector() {
    return (shape, rng) -> {
      float[] x = Seeds.normal(rng, Math.toIntExact(shape.size()));
      normalize(x);
      return x;
    };
  }

  /**
   * The normalised weight {@code W·min(1, c/σ̂)}, differentiable in W.
   *
   * @param update true in training (ESTIMATE) calls: write the refined singular vectors back to the
   *     buffers; false in evaluation and inverse calls: leave them as stored
   */
  public NDArray weight(boolean update) {
    return update ? trainingWeight() : evaluationWeight();
  }

  /**
   * Training: {@code iterations} power-iteration steps as engine ops on the detached weight (no
   * host round trip), the refined vectors copied in place into the buffers, and {@code W·c /
   * max(σ̂, c)}, which equals {@code W·min(1, c/σ̂)} without a branch on the device value.
   */
  private NDArray trainingWeight() {
    NDArray w = weight.stopGradient();
    NDArray uu = u;
    NDArray vv = v;
    for (int i = 0; i < iterations; i++) {
      uu = w.matMul(vv.reshape(cols, 1)).reshape(rows);
      uu = uu.div(uu.square().sum().sqrt().add(1e-12f));
      vv = w.transpose().matMul(uu.reshape(rows, 1)).reshape(cols);
      vv = vv.div(vv.square().sum().sqrt().add(1e-12f));
    }
    // Copied through the host: an in-place index_put_ of these engine tensors into the buffers
    // crashed a later backward pass (SIGSEGV in PyTorch's autograd engine after ~100 training
    // steps,
    // ResidualBlockTest.trainedIresnetInvertsToTheTolerance); two small host copies cost nothing
    // here.
    u.set(uu.toFloatArray());
    v.set(vv.toFloatArray());
    NDArray sigma = uu.reshape(1, rows).matMul(weight).matMul(vv.reshape(cols, 1)).reshape(1);
    lastSigma = Double.NaN;
    // c as a natively owned tensor: mul/maximum(Number) wrap a Java buffer that DJL frees right
    // after the op while autograd keeps it for the backward pass.
    NDArray c = weight.getManager().full(new Shape(1), (float) coeff, weight.getDataType());
    return weight.mul(c).div(sigma.maximum(c));
  }

  /** Evaluation: host power iteration to convergence on copies of the stored vectors. */
  private NDArray evaluationWeight() {
    float[] w = weight.toFloatArray();
    double[] uu = toDouble(u.toFloatArray());
    double[] vv = toDouble(v.toFloatArray());
    double sigma = powerIteration(w, rows, cols, uu, vv, iterations, tolerance);
    lastSigma = sigma;
    if (sigma <= coeff) {
      return weight;
    }
    return weight.mul(
        weight.getManager().full(new Shape(1), (float) (coeff / sigma), weight.getDataType()));
  }

  /**
   * σ̂ of the most recent evaluation call ({@code weight(false)}); NaN before the first and after a
   * training call (which keeps σ̂ on the device).
   */
  public double lastSigma() {
    return lastSigma;
  }

  /** The target Lipschitz bound c. */
  public double coeff() {
    return coeff;
  }

  /**
   * Power iteration on a row-major {@code rows × cols} matrix, in place on {@code u} and {@code v}
   * (unit vectors to start from; a zero vector is replaced by a basis vector). Runs at least {@code
   * minIterations} steps and stops when σ̂ changes by less than {@code tolerance} relative, or
   * after {@link #MAX_ITERATIONS}.
   *
   * @return the estimate σ̂ = uᵀWv, a lower bound on the largest singular value
   */
  public static double powerIteration(
      float[] w, int rows, int cols, double[] u, double[] v, int minIterations, double tolerance) {
    if (norm(v) == 0) {
      v[0] = 1;
    }
    double previous = Double.NaN;
    double sigma = 0;
    for (int step = 0; step < MAX_ITERATIONS; step++) {
      double[] wv = new double[rows];
      for (int i = 0; i < rows; i++) {
        double s = 0;
        for (int j = 0; j < cols; j++) {
          s += w[i * cols + j] * v[j];
        }
        wv[i] = s;
      }
      double nu = norm(wv);
      if (nu == 0) {
        return 0; // W v = 0 for the current v: W is (numerically) zero along it
      }
      for (int i = 0; i < rows; i++) {
        u[i] = wv[i] / nu;
      }
      double[] wtu = new double[cols];
      for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++) {
          wtu[j] += w[i * cols + j] * u[i];
        }
      }
      sigma = norm(wtu); // = uᵀ W v for the new v
      if (sigma == 0) {
        return 0;
      }
      for (int j = 0; j < cols; j++) {
        v[j] = wtu[j] / sigma;
      }
      if (step + 1 >= minIterations && Math.abs(sigma - previous) <= tolerance * sigma) {
        break;
      }
      previous = sigma;
    }
    return sigma;
  }

  /**
   * The largest singular value of a row-major matrix by power iteration from a fixed start to
   * convergence (relative 1e-12, {@link #MAX_ITERATIONS} steps): a check for tests and reports.
   */
  public static double largestSingularValue(float[] w, int rows, int cols) {
    double[] v = new double[cols];
    SplittableRandom rng = new SplittableRandom(1);
    for (int j = 0; j < cols; j++) {
      v[j] = rng.nextGaussian();
    }
    double n = norm(v);
    for (int j = 0; j < cols; j++) {
      v[j] /= n;
    }
    return powerIteration(w, rows, cols, new double[rows], v, MAX_ITERATIONS, 1e-12);
  }

  private static double norm(double[] x) {
    double s = 0;
    for (double a : x) {
      s += a * a;
    }
    return Math.sqrt(s);
  }

  private static void normalize(float[] x) {
    double s = 0;
    for (float a : x) {
      s += a * a;
    }
    double n = Math.sqrt(s);
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (n == 0 ? (i == 0 ? 1 : 0) : x[i] / n);
    }
  }

  private static double[] toDouble(float[] x) {
    double[] d = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      d[i] = x[i];
    }
    return d;
  }
}
