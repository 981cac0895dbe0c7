package org.flowlab.api.ode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import org.flowlab.api.nn.Scalars;

/**
 * The classical fixed-step Runge–Kutta method of order 4: {@code steps} equal steps, 4 evaluations
 * each.
 */
public final class RungeKutta4 implements OdeSolver {
  private final int steps;

  /**
   * @param steps the number of equal steps from t0 to t1, at least 1
   */
  public RungeKutta4(int steps) {
    if (steps < 1) {
      throw new IllegalArgumentException("rk4 needs at least 1 step, got " + steps);
    }
    this.steps = steps;
  }

  @Override
  public Solution solve(Dynamics f, NDList y0, double t0, double t1) {
    double h = (t1 - t0) / steps;
    NDList y = y0;
    for (int i = 0; i < steps; i++) {
      double t = t0 + i * h;
      NDList k1 = f.derivative(t, y);
      try (StepScope scope = StepScope.open()) {
        NDList k2 = f.derivative(t + h / 2, axpy(y, h / 2, k1));
        NDList k3 = f.derivative(t + h / 2, axpy(y, h / 2, k2));
        NDList k4 = f.derivative(t + h, axpy(y, h, k3));
        NDList next = new NDList(y.size());
        for (int j = 0; j < y.size(); j++) {
          NDArray sum = k1.get(j).add(k4.get(j)).add(Scalars.mul(k2.get(j).add(k3.get(j)), 2));
          next.add(y.get(j).add(Scalars.mul(sum, h / 6)));
        }
        scope.keep(next);
        scope.release(y, y0, next);
        scope.release(k1, y0, next);
        y = next;
      }
    }
    return new Solution(y, 4 * steps, steps, 0, 4 * steps);
  }

  /** y + a·k, tensor by tensor. */
  static NDList axpy(NDList y, double a, NDList k) {
    NDList out = new NDList(y.size());
    for (int j = 0; j < y.size(); j++) {
      out.add(y.get(j).add(Scalars.mul(k.get(j), a)));
    }
    return out;
  }

  @Override
  public String describe() {
    return "rk4(steps=" + steps + ")";
  }

  /** The number of steps. */
  public int steps() {
    return steps;
  }
}
