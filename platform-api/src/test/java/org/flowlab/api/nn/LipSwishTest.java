package org.flowlab.api.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class LipSwishTest {
  @Test
  void valueMatchesTheFormulaAndJvpMatchesFiniteDifferences() {
    try (NDManager m = NDManager.newBaseManager()) {
      LipSwish f = new LipSwish(ParameterScope.root(m, 1));
      double beta = Math.log1p(Math.exp(0.5));
      assertEquals(beta, f.beta().getFloat(), 1e-6);
      float[] xs = {-4f, -1.3f, -0.2f, 0f, 0.7f, 2.5f};
      NDArray x = m.create(xs, new Shape(2, 3));
      NDArray v = m.create(new float[] {1, -2, 0.5f, 3, 1, -1}, new Shape(2, 3));
      Jvp jvp = f.jvp(x, v);
      float[] y = jvp.value().toFloatArray();
      float[] t = jvp.tangent().toFloatArray();
      float[] vs = v.toFloatArray();
      for (int i = 0; i < xs.length; i++) {
        assertEquals(swish(xs[i], beta), y[i], 1e-6);
        double h = 1e-4;
        double fd = (swish(xs[i] + h, beta) - swish(xs[i] - h, beta)) / (2 * h);
        assertEquals(fd * vs[i], t[i], 1e-4, "x = " + xs[i]);
      }
    }
  }

  @Test
  void slopeStaysWithinOneForEveryBeta() {
    try (NDManager m = NDManager.newBaseManager()) {
      ParameterScope scope = ParameterScope.root(m, 1);
      LipSwish f = new LipSwish(scope);
      NDArray raw = scope.parameters().get(0).value();
      float[] grid = new float[2001];
      for (int i = 0; i < grid.length; i++) {
        grid[i] = -20 + 0.02f * i;
      }
      NDArray x = m.create(grid, new Shape(1, grid.length));
      double steepest = 0;
      for (float b : new float[] {-5f, 0f, 0.5f, 3f, 20f}) {
        raw.set(new float[] {b});
        for (float d : f.derivative(x).toFloatArray()) {
          steepest = Math.max(steepest, Math.abs(d));
        }
      }
      assertTrue(steepest <= 1.0, "max |f'| = " + steepest);
      assertTrue(steepest > 0.95, "the bound is nearly tight for large β: " + steepest);
    }
  }

  private static double swish(double x, double beta) {
    return x / (1 + Math.exp(-beta * x)) / 1.1;
  }
}
