package org.flowlab.api.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.function.UnaryOperator;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.nn.Parameter;
import org.flowlab.api.random.Seeds;

/**
 * Numerical helpers for flow tests: perturbation, reverse-mode Jacobians, differences. The exact
 * log|det| of a Jacobian is {@link org.flowlab.api.linalg.Lu#logAbsDet(double[][])}.
 */
public final class FlowChecks {
  private FlowChecks() {}

  /**
   * Adds seeded normal noise of standard deviation {@code std} to every trainable parameter (in
   * place, via {@link Parameter#assign}), moving a freshly built flow away from its identity
   * initialisation. Buffers are left alone. Noise for a parameter depends only on {@code seed} and
   * its name.
   */
  public static void perturb(Flow flow, long seed, double std) {
    for (Parameter p : flow.parameters()) {
      if (!p.trainable()) {
        continue;
      }
      float[] values = p.value().toType(DataType.FLOAT32, false).toFloatArray();
      float[] noise = Seeds.normal(Seeds.stream(seed, "perturb/" + p.name()), values.length);
      for (int i = 0; i < values.length; i++) {
        values[i] += (float) (std * noise[i]);
      }
      try (NDManager scratch = p.value().getManager().newSubManager()) {
        p.assign(scratch.create(values, p.value().getShape()));
      }
    }
  }

  /**
   * Per-sample Jacobians {@code ∂f(x)_i/∂x_j} of a map that treats samples independently, by
   * reverse-mode autodiff: one backward pass per output index. Event axes are flattened.
   *
   * @param f the map, batch first (for a flow: {@code x -> flow.encode(x, EXACT).value()})
   * @param x the points, shape {@code (n, event...)}
   * @return {@code [n][dOut][dIn]} in double precision
   */
  public static double[][][] jacobians(UnaryOperator<NDArray> f, NDArray x) {
    int n = Math.toIntExact(x.getShape().get(0));
    int dIn = Math.toIntExact(x.getShape().size() / n);
    float[] data = x.toType(DataType.FLOAT32, false).toFloatArray();
    double[][][] jac = null;
    int dOut = -1;
    for (int i = 0; dOut < 0 || i < dOut; i++) {
      try (NDManager scratch = x.getManager().newSubManager()) {
        NDArray leaf = scratch.create(data, x.getShape());
        leaf.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDArray y = f.apply(leaf);
          NDArray flat = y.reshape(n, -1);
          if (dOut < 0) {
            dOut = Math.toIntExact(flat.getShape().get(1));
            jac = new double[n][dOut][dIn];
          }
          float[] onehot = new float[dOut];
          onehot[i] = 1f;
          gc.backward(flat.mul(scratch.create(onehot, new Shape(1, dOut))).sum());
        }
        float[] grad = leaf.getGradient().toFloatArray();
        for (int s = 0; s < n; s++) {
          for (int j = 0; j < dIn; j++) {
            jac[s][i][j] = grad[s * dIn + j];
          }
        }
      }
    }
    return jac;
  }

  /** Asserts that two matrices agree entry by entry within {@code tolerance}, naming the entry. */
  public static void assertClose(double[][] expected, double[][] actual, double tolerance) {
    assertEquals(expected.length, actual.length, "rows");
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i].length, actual[i].length, "columns of row " + i);
      for (int j = 0; j < expected[i].length; j++) {
        assertEquals(expected[i][j], actual[i][j], tolerance, "entry (" + i + ", " + j + ")");
      }
    }
  }

  /** The largest absolute elementwise difference of two arrays of the same shape. */
  public static double maxAbsDiff(NDArray a, NDArray b) {
    if (a.getShape().size() != b.getShape().size()) {
      throw new IllegalArgumentException(a.getShape() + " vs " + b.getShape());
    }
    return maxAbsDiff(
        a.toType(DataType.FLOAT32, false).toFloatArray(),
        b.toType(DataType.FLOAT32, false).toFloatArray());
  }

  /** The largest absolute elementwise difference; NaN anywhere gives NaN (so checks fail). */
  public static double maxAbsDiff(float[] x, float[] y) {
    if (x.length != y.length) {
      throw new IllegalArgumentException(x.length + " vs " + y.length + " elements");
    }
    double max = 0;
    for (int i = 0; i < x.length; i++) {
      double d = Math.abs((double) x[i] - y[i]);
      if (Double.isNaN(d)) {
        return Double.NaN;
      }
      max = Math.max(max, d);
    }
    return max;
  }
}
