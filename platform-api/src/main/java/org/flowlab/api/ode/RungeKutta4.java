package org.flowlab.api.ode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.util.ArrayList;
import java.util.List;
import org.flowlab.api.nn.EagerOps;
import org.flowlab.api.ops.TensorOps;

/**
 * The classical fixed-step Runge–Kutta method of order 4: {@code steps} equal steps, 4 evaluations
 * each. The step is written once ({@link #step}) and serves the eager solve and its traced copy
 * ({@link #trace}, e.g. into an ONNX graph).
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
    Field<NDArray> field = (t, state) -> f.derivative(t, asList(state));
    NDList y = y0;
    for (int i = 0; i < steps; i++) {
      try (StepScope scope = StepScope.open()) {
        NDList next = asList(step(EagerOps.FLOAT32, field, t0 + i * h, h, y));
        scope.keep(next);
        scope.release(y, y0, next);
        y = next;
      }
    }
    return new Solution(y, 4 * steps, steps, 0, 4 * steps);
  }

  @Override
  public <T> List<T> trace(TensorOps<T> ops, Field<T> field, List<T> y0, double t0, double t1) {
    double h = (t1 - t0) / steps;
    List<T> y = y0;
    for (int i = 0; i < steps; i++) {
      y = step(ops, field, t0 + i * h, h, y);
    }
    return y;
  }

  /**
   * One step from {@code (t, y)} of size {@code h}: {@code y + (k1 + k4 + 2(k2 + k3))·h/6}, written
   * once for every interpretation.
   */
  public static <T> List<T> step(TensorOps<T> ops, Field<T> f, double t, double h, List<T> y) {
    List<T> k1 = f.derivative(t, y);
    List<T> k2 = f.derivative(t + h / 2, axpy(ops, y, h / 2, k1));
    List<T> k3 = f.derivative(t + h / 2, axpy(ops, y, h / 2, k2));
    List<T> k4 = f.derivative(t + h, axpy(ops, y, h, k3));
    List<T> next = new ArrayList<>(y.size());
    for (int j = 0; j < y.size(); j++) {
      T sum =
          ops.add(ops.add(k1.get(j), k4.get(j)), ops.mulScalar(ops.add(k2.get(j), k3.get(j)), 2));
      next.add(ops.add(y.get(j), ops.mulScalar(sum, h / 6)));
    }
    return next;
  }

  /** y + a·k, tensor by tensor. */
  private static <T> List<T> axpy(TensorOps<T> ops, List<T> y, double a, List<T> k) {
    List<T> out = new ArrayList<>(y.size());
    for (int j = 0; j < y.size(); j++) {
      out.add(ops.add(y.get(j), ops.mulScalar(k.get(j), a)));
    }
    return out;
  }

  /** y + a·k eagerly (DormandPrince's first step-size guess). */
  static NDList axpy(NDList y, double a, NDList k) {
    return asList(axpy(EagerOps.FLOAT32, y, a, k));
  }

  private static NDList asList(List<NDArray> arrays) {
    return arrays instanceof NDList list ? list : new NDList(arrays);
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
