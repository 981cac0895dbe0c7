package org.flowlab.api.estimate;

import ai.djl.ndarray.NDArray;
import java.util.Arrays;
import java.util.function.UnaryOperator;
import org.flowlab.api.nn.EagerOps;
import org.flowlab.api.ops.TensorOps;

/**
 * The power series {@code log det(I + J) = Σ_{k≥1} (−1)^{k+1} tr(J^k)/k}, valid when the spectral
 * radius of J is below 1 (Lip(g) < 1 for a residual block x + g(x)), with each trace estimated by
 * Hutchinson's {@code tr(A) ≈ vᵀAv} for a probe v with E[vvᵀ] = I, and {@code J^k v} built by k
 * applications of the operator.
 */
public final class PowerSeries {
  private PowerSeries() {}

  /**
   * {@code Σ_{k=1}^{K} (−1)^{k+1} (w_k/k) · vᵀJ^k v} per sample, where {@code K = weights.length}.
   * Unit weights give the truncated series (i-ResNet, biased by the truncation); {@link
   * RussianRoulette} supplies weights that make it unbiased.
   *
   * @param j the per-sample Jacobian
   * @param probe v, batch first (Gaussian or Rademacher entries)
   * @param weights w_1 … w_K
   * @return shape (batch)
   */
  public static NDArray hutchinson(LinearOperator j, NDArray probe, double[] weights) {
    return hutchinson(EagerOps.FLOAT32, j::apply, probe, weights);
  }

  /**
   * {@link #hutchinson(LinearOperator, NDArray, double[])} written once for every interpretation:
   * the eager estimate, and the same series recorded into an ONNX graph (there with k probes per
   * sample on the tangent axis, so the per-sample sum also sums the probes).
   *
   * @param ops the interpretation
   * @param j {@code v ↦ J·v} on probes shaped like {@code probe}
   * @param probe v, batch first
   * @param weights w_1 … w_K
   * @return {@code Σ_k (−1)^{k+1} (w_k/k) · vᵀJ^k v} summed over everything after the batch axis
   */
  public static <T> T hutchinson(TensorOps<T> ops, UnaryOperator<T> j, T probe, double[] weights) {
    T w = probe;
    T acc = null;
    for (int k = 1; k <= weights.length; k++) {
      w = j.apply(w);
      T term = ops.mulScalar(w, (k % 2 == 1 ? 1.0 : -1.0) * weights[k - 1] / k);
      acc = acc == null ? term : ops.add(acc, term);
    }
    if (acc == null) {
      return ops.zerosPerSample(probe);
    }
    return ops.sumAfter(ops.mul(acc, probe), 1);
  }

  /** The truncated series with {@code terms} terms and one Hutchinson probe per sample. */
  public static NDArray truncated(LinearOperator j, NDArray probe, int terms) {
    return truncated(EagerOps.FLOAT32, j::apply, probe, terms);
  }

  /** The truncated series with {@code terms} terms in any interpretation ({@link #hutchinson}). */
  public static <T> T truncated(TensorOps<T> ops, UnaryOperator<T> j, T probe, int terms) {
    double[] ones = new double[terms];
    Arrays.fill(ones, 1.0);
    return hutchinson(ops, j, probe, ones);
  }

  /**
   * The exact truncated series {@code Σ_{k=1}^{terms} (−1)^{k+1} tr(J^k)/k} of one matrix, in
   * double precision: the value the truncated Hutchinson estimate averages to.
   */
  public static double exactTruncated(double[][] jacobian, int terms) {
    int d = jacobian.length;
    double[][] power = identity(d);
    double sum = 0;
    for (int k = 1; k <= terms; k++) {
      power = multiply(power, jacobian);
      double trace = 0;
      for (int i = 0; i < d; i++) {
        trace += power[i][i];
      }
      sum += (k % 2 == 1 ? 1.0 : -1.0) * trace / k;
    }
    return sum;
  }

  private static double[][] identity(int d) {
    double[][] m = new double[d][d];
    for (int i = 0; i < d; i++) {
      m[i][i] = 1;
    }
    return m;
  }

  private static double[][] multiply(double[][] a, double[][] b) {
    int d = a.length;
    double[][] c = new double[d][d];
    for (int i = 0; i < d; i++) {
      for (int k = 0; k < d; k++) {
        double aik = a[i][k];
        for (int jj = 0; jj < d; jj++) {
          c[i][jj] += aik * b[k][jj];
        }
      }
    }
    return c;
  }
}
