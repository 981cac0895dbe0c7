package org.flowlab.api.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.flowlab.api.random.Seeds;
import org.flowlab.api.testkit.FlowChecks;
import org.junit.jupiter.api.Test;

class Conv2dTest {
  private static NDArray normal(NDManager m, Shape shape, String purpose) {
    return m.create(Seeds.normal(Seeds.stream(9, purpose), Math.toIntExact(shape.size())), shape);
  }

  @Test
  void keepsTheImageSizeAndItsJvpIsTheJacobianTimesTheTangent() {
    try (NDManager m = NDManager.newBaseManager()) {
      Conv2d conv = new Conv2d(ParameterScope.root(m, 1), 2, 3, 3, false);
      NDArray x = normal(m, new Shape(2, 2, 4, 4), "x");
      NDArray v = normal(m, new Shape(2, 2, 4, 4), "v");
      Jvp jvp = conv.jvp(x, v);
      assertEquals(new Shape(2, 3, 4, 4), jvp.value().getShape());
      assertEquals(0.0, FlowChecks.maxAbsDiff(jvp.value(), conv.forward(x)));
      double[][][] jac = FlowChecks.jacobians(conv::forward, x);
      float[] tangent = jvp.tangent().toFloatArray();
      float[] vs = v.toFloatArray();
      double maxErr = 0;
      for (int s = 0; s < 2; s++) {
        for (int i = 0; i < 48; i++) {
          double expected = 0;
          for (int j = 0; j < 32; j++) {
            expected += jac[s][i][j] * vs[s * 32 + j];
          }
          maxErr = Math.max(maxErr, Math.abs(expected - tangent[s * 48 + i]));
        }
      }
      assertTrue(maxErr < 1e-5, "J·v error " + maxErr);
    }
  }

  @Test
  void zeroInitialisedConvOutputsZeros() {
    try (NDManager m = NDManager.newBaseManager()) {
      Conv2d conv = new Conv2d(ParameterScope.root(m, 1), 2, 2, 3, true);
      NDArray y = conv.forward(normal(m, new Shape(1, 2, 3, 3), "x"));
      assertEquals(0f, y.abs().max().getFloat());
    }
  }

  @Test
  void rejectsEvenKernels() {
    try (NDManager m = NDManager.newBaseManager()) {
      assertThrows(
          IllegalArgumentException.class,
          () -> new Conv2d(ParameterScope.root(m, 1), 1, 1, 2, false));
    }
  }
}
