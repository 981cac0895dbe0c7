package org.flowlab.api.ode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import java.util.Locale;
import org.flowlab.api.nn.Scalars;

/**
 * The adaptive Dormand–Prince 5(4) method ("dopri5"): a 7-stage embedded Runge–Kutta pair with the
 * first-same-as-last property, advancing with the 5th-order solution and controlling the step size
 * with the 4th-order error estimate.
 *
 * <p>Error norm: for each controlled state tensor, the root mean square over all its elements
 * (batch included) of {@code err / (atol + rtol·max(|y_n|, |y_{n+1}|))}, then the maximum over
 * tensors; a step is accepted when the norm is at most 1. The norm is read back as a Java double,
 * so step sizes never enter autograd; gradients flow through the accepted steps' ops. Step-size
 * update {@code h·clamp(0.9·err^(-1/5), 0.2, 10)} (no growth right after a rejection). The first
 * step is chosen by Hairer's rule (one extra evaluation) unless given.
 *
 * <p>NFE: 1 for {@code f(t0, y0)}, 1 for the initial step selection, then 6 per attempted step; 6
 * per accepted step are in the end state's graph ({@link Solution#nfeBackward()}).
 */
public final class DormandPrince implements OdeSolver {
  private static final double[] C = {0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1};
  private static final double[][] A = {
    {},
    {1.0 / 5},
    {3.0 / 40, 9.0 / 40},
    {44.0 / 45, -56.0 / 15, 32.0 / 9},
    {19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
    {9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
    {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84}
  };

  /** 5th-order weights minus 4th-order weights: the local error estimate's coefficients. */
  private static final double[] E = {
    35.0 / 384 - 5179.0 / 57600,
    0,
    500.0 / 1113 - 7571.0 / 16695,
    125.0 / 192 - 393.0 / 640,
    -2187.0 / 6784 + 92097.0 / 339200,
    11.0 / 84 - 187.0 / 2100,
    -1.0 / 40
  };

  private static final double SAFETY = 0.9;
  private static final double MIN_FACTOR = 0.2;
  private static final double MAX_FACTOR = 10;

  private final double atol;
  private final double rtol;
  private final int maxSteps;
  private final int controlled;
  private final double firstStep;

  /**
   * @param atol absolute tolerance, positive
   * @param rtol relative tolerance, non-negative
   * @param maxSteps the most steps (accepted plus rejected) before {@link OdeException}
   * @param controlled how many leading state tensors enter the error norm (0: all of them); e.g. a
   *     CNF controls z and the log-det but not its regulariser accumulators
   * @param firstStep the first step's size, or 0 to choose it by Hairer's rule
   */
  public DormandPrince(double atol, double rtol, int maxSteps, int controlled, double firstStep) {
    if (!(atol > 0) || !(rtol >= 0) || maxSteps < 1 || controlled < 0 || !(firstStep >= 0)) {
      throw new IllegalArgumentException(
          "dopri5 needs atol > 0, rtol >= 0, max steps >= 1, controlled >= 0, first step >= 0;"
              + " got "
              + atol
              + ", "
              + rtol
              + ", "
              + maxSteps
              + ", "
              + controlled
              + ", "
              + firstStep);
    }
    this.atol = atol;
    this.rtol = rtol;
    this.maxSteps = maxSteps;
    this.controlled = controlled;
    this.firstStep = firstStep;
  }

  /** Tolerances with every state tensor controlled, at most 10,000 steps, automatic first step. */
  public DormandPrince(double atol, double rtol) {
    this(atol, rtol, 10_000, 0, 0);
  }

  @Override
  public Solution solve(Dynamics f, NDList y0, double t0, double t1) {
    if (t0 == t1) {
      return new Solution(y0, 0, 0, 0, 0);
    }
    double dir = Math.signum(t1 - t0);
    double span = Math.abs(t1 - t0);
    NDList y = y0;
    NDList k1 = f.derivative(t0, y0);
    int nfe = 1;
    double h;
    if (firstStep > 0) {
      h = Math.min(firstStep, span);
    } else {
      try (StepScope scope = StepScope.open()) {
        h = Math.min(initialStep(f, t0, y0, k1, dir), span);
      }
      nfe++;
    }
    double t = t0;
    int steps = 0;
    int rejected = 0;
    boolean lastRejected = false;
    NDList[] k = new NDList[7];

    while (dir * (t1 - t) > 0) {
      if (steps + rejected >= maxSteps) {
        throw new OdeException(
            String.format(
                Locale.ROOT,
                "%s did not reach t=%g within %d steps (stopped at t=%g, step %.3g, %d rejected):"
                    + " the dynamics are too stiff for these tolerances; loosen atol/rtol,"
                    + " regularise the dynamics or allow more steps",
                describe(),
                t1,
                maxSteps,
                t,
                h,
                rejected));
      }
      boolean last = h >= Math.abs(t1 - t);
      double step = last ? t1 - t : dir * h;
      if (Math.abs(step) <= 1e-12 * Math.max(1, Math.abs(t))) {
        throw new OdeException(
            String.format(
                Locale.ROOT,
                "%s step size underflowed (%.3g at t=%g after %d steps): the dynamics blow up or"
                    + " the tolerances are below float precision",
                describe(),
                Math.abs(step),
                t,
                steps));
      }
      k[0] = k1;
      NDList y1;
      double err;
      try (StepScope scope = StepScope.open()) {
        for (int s = 1; s < 7; s++) {
          k[s] = f.derivative(t + C[s] * step, combine(y, step, A[s], k));
        }
        y1 = combine(y, step, A[6], k);
        err = errorNorm(y, y1, step, k);
        if (err <= 1 && Double.isFinite(err)) {
          scope.keep(y1);
          scope.keep(k[6]);
          scope.release(y, y0, y1, k[6]);
          scope.release(k1, y0, y1, k[6]);
        }
      }
      nfe += 6;
      if (!Double.isFinite(err)) {
        throw new OdeException(
            String.format(
                Locale.ROOT,
                "%s: the state became non-finite at t=%g (step %.3g): the dynamics diverged",
                describe(),
                t,
                step));
      }
      double factor =
          err == 0
              ? MAX_FACTOR
              : Math.max(MIN_FACTOR, Math.min(MAX_FACTOR, SAFETY * Math.pow(err, -0.2)));
      if (err <= 1) {
        t = last ? t1 : t + step;
        y = y1;
        k1 = k[6];
        steps++;
        if (lastRejected) {
          factor = Math.min(factor, 1);
        }
        lastRejected = false;
      } else {
        rejected++;
        lastRejected = true;
        factor = Math.min(factor, 1);
      }
      h = Math.abs(step) * factor;
    }
    // In the graph: f(t0, y0) and stages 2–6 of each accepted step, and each accepted step's 7th
    // stage but the last one's, as the next step's first (first same as last): 6 per step.
    return new Solution(y, nfe, steps, rejected, 6 * steps);
  }

  /** Hairer, Nørsett and Wanner's starting step (Solving ODEs I, II.4), one evaluation. */
  private double initialStep(Dynamics f, double t0, NDList y0, NDList f0, double dir) {
    int n = count(y0);
    NDList scale = new NDList(n);
    for (int j = 0; j < n; j++) {
      scale.add(Scalars.mul(y0.get(j).abs(), rtol).add((float) atol));
    }
    double d0 = rms(y0, scale, n);
    double d1 = rms(f0, scale, n);
    double h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : 0.01 * d0 / d1;
    NDList f1 = f.derivative(t0 + dir * h0, RungeKutta4.axpy(y0, dir * h0, f0));
    NDList diff = new NDList(n);
    for (int j = 0; j < n; j++) {
      diff.add(f1.get(j).sub(f0.get(j)));
    }
    double d2 = rms(diff, scale, n) / h0;
    double dm = Math.max(d1, d2);
    double h1 = dm <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : Math.pow(0.01 / dm, 0.2);
    return Math.min(100 * h0, h1);
  }

  /** The weighted error norm of one attempted step (max over controlled tensors of the RMS). */
  private double errorNorm(NDList y0, NDList y1, double step, NDList[] k) {
    int n = count(y0);
    NDList errors = new NDList(n);
    NDList scale = new NDList(n);
    for (int j = 0; j < n; j++) {
      NDArray e = null;
      for (int s = 0; s < 7; s++) {
        if (E[s] != 0) {
          NDArray term = Scalars.mul(k[s].get(j), step * E[s]);
          e = e == null ? term : e.add(term);
        }
      }
      errors.add(e);
      scale.add(Scalars.mul(y0.get(j).abs().maximum(y1.get(j).abs()), rtol).add((float) atol));
    }
    return rms(errors, scale, n);
  }

  /** max over the first n tensors of sqrt(mean((x/scale)²)), read back as one double. */
  private static double rms(NDList x, NDList scale, int n) {
    NDList norms = new NDList(n);
    for (int j = 0; j < n; j++) {
      norms.add(x.get(j).div(scale.get(j)).square().mean().reshape(1));
    }
    NDArray all = n == 1 ? norms.get(0) : NDArrays.concat(norms);
    return all.max().sqrt().toType(DataType.FLOAT64, false).getDouble();
  }

  private int count(NDList y) {
    return controlled == 0 ? y.size() : Math.min(controlled, y.size());
  }

  /** y + step·Σ_s a_s·k_s, tensor by tensor, skipping zero coefficients. */
  private static NDList combine(NDList y, double step, double[] a, NDList[] k) {
    NDList out = new NDList(y.size());
    for (int j = 0; j < y.size(); j++) {
      NDArray sum = y.get(j);
      for (int s = 0; s < a.length; s++) {
        if (a[s] != 0) {
          sum = sum.add(Scalars.mul(k[s].get(j), step * a[s]));
        }
      }
      out.add(sum);
    }
    return out;
  }

  @Override
  public String describe() {
    return String.format(Locale.ROOT, "dopri5(atol=%.3g, rtol=%.3g)", atol, rtol);
  }

  /** The absolute tolerance. */
  public double atol() {
    return atol;
  }

  /** The relative tolerance. */
  public double rtol() {
    return rtol;
  }
}
