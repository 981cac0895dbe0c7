package org.flowlab.api.estimate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * The Russian-roulette power series of Residual Flows (Chen et al. 2019): draw a random N, compute
 * {@code n} exact terms plus N more, and weight term {@code k > n} by {@code 1/P(N ≥ k − n)}. The
 * expectation over N of the weighted finite sum is the infinite series, so the log-det estimate is
 * unbiased (given a Hutchinson probe with E[vvᵀ] = I).
 *
 * <p>N is geometric ({@code P(N ≥ m) = (1−p)^m}, N ∈ {0, 1, …}) or Poisson with mean λ. One N is
 * drawn per call by inversion of a uniform from the engine generator ({@link #draw(NDManager)}),
 * which the host seeds per training step.
 */
public final class RussianRoulette {
  /** The distribution of the number of extra terms N. */
  public enum Kind {
    /** P(N ≥ m) = (1 − p)^m. */
    GEOMETRIC,
    /** N ~ Poisson(λ). */
    POISSON
  }

  /**
   * One draw: N and the weights of terms 1 … n + N.
   *
   * @param extra N, the number of terms after the exact ones
   * @param weights w_k for k = 1 … n + N: 1 for k ≤ n, 1/P(N ≥ k − n) after
   */
  public record Draw(int extra, double[] weights) {}

  /** Upper bound on N, far beyond any probability that matters (P(N ≥ 10⁴) underflows). */
  public static final int MAX_EXTRA = 10_000;

  private final Kind kind;
  private final double parameter;
  private final int exactTerms;

  /**
   * @param kind the distribution of N
   * @param parameter p in (0, 1) for {@code GEOMETRIC}, λ > 0 for {@code POISSON}
   * @param exactTerms n ≥ 0, terms always computed with weight 1
   */
  public RussianRoulette(Kind kind, double parameter, int exactTerms) {
    if (kind == Kind.GEOMETRIC && !(parameter > 0 && parameter < 1)) {
      throw new IllegalArgumentException("geometric p must be in (0, 1), got " + parameter);
    }
    if (kind == Kind.POISSON && !(parameter > 0)) {
      throw new IllegalArgumentException("poisson lambda must be positive, got " + parameter);
    }
    if (exactTerms < 0) {
      throw new IllegalArgumentException("exact terms must be >= 0, got " + exactTerms);
    }
    this.kind = kind;
    this.parameter = parameter;
    this.exactTerms = exactTerms;
  }

  /** P(N ≥ m). */
  public double survival(int m) {
    if (m <= 0) {
      return 1;
    }
    if (kind == Kind.GEOMETRIC) {
      return Math.pow(1 - parameter, m);
    }
    // Poisson tail summed directly (no 1 − CDF cancellation).
    double logPmf = -parameter + m * Math.log(parameter) - logFactorial(m);
    double pmf = Math.exp(logPmf);
    double sum = 0;
    for (int i = m; i < m + 1000 && pmf > 0; i++) {
      sum += pmf;
      pmf *= parameter / (i + 1);
      if (pmf < 1e-18 * sum) {
        break;
      }
    }
    return Math.min(1, sum);
  }

  /**
   * N by inversion: the largest m with {@code P(N ≥ m) ≥ 1 − uniform}, and its weights.
   *
   * @param uniform a draw from [0, 1)
   */
  public Draw draw(double uniform) {
    double level = 1 - uniform; // in (0, 1]
    int extra = 0;
    while (extra < MAX_EXTRA && survival(extra + 1) >= level) {
      extra++;
    }
    double[] weights = new double[exactTerms + extra];
    for (int k = 1; k <= weights.length; k++) {
      weights[k - 1] = k <= exactTerms ? 1 : 1 / survival(k - exactTerms);
    }
    return new Draw(extra, weights);
  }

  /** A draw whose uniform comes from the engine generator of {@code manager}. */
  public Draw draw(NDManager manager) {
    return draw(manager.randomUniform(0f, 1f, new Shape(1)).getFloat());
  }

  /**
   * The unbiased estimate of {@code log det(I + J)} per sample from one draw and one probe.
   *
   * @param j the per-sample Jacobian (spectral radius below 1)
   * @param probe the Hutchinson probe, batch first
   * @param draw the roulette draw
   */
  public static NDArray estimate(LinearOperator j, NDArray probe, Draw draw) {
    return PowerSeries.hutchinson(j, probe, draw.weights());
  }

  /** The number of exact terms n. */
  public int exactTerms() {
    return exactTerms;
  }

  private static double logFactorial(int m) {
    double s = 0;
    for (int i = 2; i <= m; i++) {
      s += Math.log(i);
    }
    return s;
  }
}
