package org.flowlab.plugins.residual;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.onnx.ExportCalibration;
import org.flowlab.api.random.Seeds;

/**
 * Spectral normalisation of a convolution as an operator on images of a fixed size (Gouk et al.
 * 2018; i-ResNet's convolutional blocks): power iteration with {@code u = conv(v)/‖·‖}, {@code v =
 * convᵀ(u)/‖·‖} on whole images, where the adjoint {@code convᵀ} of a stride-1, same-padded
 * convolution is the convolution with the spatially flipped kernel and in/out channels swapped. σ̂
 * = ⟨u, conv(v)⟩ estimates the operator norm, and the normalised kernel {@code W·min(1, c/σ̂)}
 * gives Lip(conv) ≤ about c — tight, unlike the per-kernel-matrix bound k·‖W_mat‖₂.
 *
 * <p>As {@link org.flowlab.api.nn.SpectralNorm}: {@link #weight(boolean) weight(true)} (training)
 * runs {@code iterations} steps from the stored vectors, writes them back and keeps σ̂
 * differentiable in W; {@code weight(false)} (evaluation, inverses, ONNX export) iterates from
 * copies of the stored vectors until σ̂ changes by less than the tolerance (at least {@code
 * iterations}, at most {@value #MAX_ITERATIONS} steps) and leaves the buffers alone — a pure
 * function of W and the buffers, kept until their values change ({@link ExportCalibration}, which
 * compares exact copies of them) so repeated evaluation calls cost a comparison, not a power
 * iteration.
 *
 * <p>Buffers (relative to the scope): {@code u} of shape {@code (out·h·w)}, {@code v} of shape
 * {@code (in·h·w)}.
 */
final class ConvSpectralNorm {
  /** Cap on the power-iteration steps of one evaluation call. */
  static final int MAX_ITERATIONS = 500;

  private final NDArray weight;
  private final NDArray u;
  private final NDArray v;
  private final Shape uShape;
  private final Shape vShape;
  private final Shape padding;
  private final double coeff;
  private final int iterations;
  private final double tolerance;
  private final ExportCalibration<Double> evaluationSigma;
  private double lastSigma = Double.NaN;

  /**
   * @param scope where the buffers {@code u} and {@code v} are registered (random unit vectors)
   * @param weight the kernel, shape {@code (out, in, k, k)} with k odd
   * @param height image height
   * @param width image width
   * @param coeff the target Lipschitz bound c
   * @param iterations least power-iteration steps per call, at least 1
   * @param tolerance relative change of σ̂ below which the evaluation iteration stops
   */
  ConvSpectralNorm(
      ParameterScope scope,
      NDArray weight,
      long height,
      long width,
      double coeff,
      int iterations,
      double tolerance) {
    Shape w = weight.getShape();
    this.weight = weight;
    this.uShape = new Shape(1, w.get(0), height, width);
    this.vShape = new Shape(1, w.get(1), height, width);
    this.u = scope.buffer("u", new Shape(uShape.size()), unitVector());
    this.v = scope.buffer("v", new Shape(vShape.size()), unitVector());
    this.padding = new Shape(w.get(2) / 2, w.get(3) / 2);
    this.coeff = coeff;
    this.iterations = iterations;
    this.tolerance = tolerance;
    this.evaluationSigma = new ExportCalibration<>(List.of(weight, u, v), this::converge);
  }

  private static Initializer unitVector() {
    return (shape, rng) -> {
      float[] x = Seeds.normal(rng, Math.toIntExact(shape.size()));
      double s = 0;
      for (float a : x) {
        s += a * a;
      }
      double n = Math.sqrt(s);
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) (x[i] / n);
      }
      return x;
    };
  }

  private NDArray conv(NDArray x, NDArray kernel) {
    return ai.djl.nn.convolutional.Conv2d.conv2d(x, kernel, null, new Shape(1, 1), padding)
        .singletonOrThrow();
  }

  private static NDArray normalize(NDArray x) {
    return x.div(x.square().sum().sqrt().add(1e-12f));
  }

  /**
   * The normalised kernel {@code W·min(1, c/σ̂)}, differentiable in W.
   *
   * @param update true in training calls (refine and store the vectors), false in evaluation
   */
  NDArray weight(boolean update) {
    return update ? trainingWeight() : evaluationWeight();
  }

  private NDArray trainingWeight() {
    NDArray w = weight.stopGradient();
    NDArray adjoint = w.flip(2, 3).transpose(1, 0, 2, 3);
    NDArray uu = u.reshape(uShape);
    NDArray vv = v.reshape(vShape);
    for (int i = 0; i < iterations; i++) {
      uu = normalize(conv(vv, w));
      vv = normalize(conv(uu, adjoint));
    }
    u.set(uu.toFloatArray()); // through the host, as SpectralNorm does (in-place ops crashed
    // autograd)
    v.set(vv.toFloatArray());
    lastSigma = Double.NaN;
    NDArray sigma = uu.mul(conv(vv, weight)).sum().reshape(1);
    NDArray c = weight.getManager().full(new Shape(1), (float) coeff, weight.getDataType());
    return weight.mul(c).div(sigma.maximum(c));
  }

  private NDArray evaluationWeight() {
    lastSigma = evaluationSigma.get();
    if (lastSigma <= coeff) {
      return weight;
    }
    return weight.mul(
        weight.getManager().full(new Shape(1), (float) (coeff / lastSigma), weight.getDataType()));
  }

  /** σ̂ by power iteration to convergence from copies of the stored vectors. */
  private double converge() {
    try (NDManager m = weight.getManager().newSubManager()) {
      NDArray w = m.create(weight.toFloatArray(), weight.getShape());
      NDArray adjoint = w.flip(2, 3).transpose(1, 0, 2, 3);
      NDArray vv = m.create(v.toFloatArray(), vShape);
      double previous = Double.NaN;
      double sigma = 0;
      for (int step = 0; step < MAX_ITERATIONS; step++) {
        NDArray wv = conv(vv, w);
        NDArray uu = normalize(wv);
        NDArray wtu = conv(uu, adjoint);
        sigma = wtu.square().sum().sqrt().getFloat(); // = ⟨u, conv(v')⟩ for the next v'
        if (sigma == 0) {
          return 0;
        }
        vv = wtu.div(m.full(new Shape(1), (float) sigma));
        if (step + 1 >= iterations && Math.abs(sigma - previous) <= tolerance * sigma) {
          break;
        }
        previous = sigma;
      }
      return sigma;
    }
  }

  /** σ̂ of the most recent evaluation call; NaN after a training call. */
  double lastSigma() {
    return lastSigma;
  }
}
