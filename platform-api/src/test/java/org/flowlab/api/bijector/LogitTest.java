package org.flowlab.api.bijector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.linalg.Lu;
import org.flowlab.api.random.Seeds;
import org.flowlab.api.testkit.FlowChecks;
import org.junit.jupiter.api.Test;

class LogitTest {
  private static NDArray unitImages(NDManager m, int n) {
    Shape shape = new Shape(n, 1, 3, 3);
    float[] u = new float[Math.toIntExact(shape.size())];
    var rng = Seeds.stream(1, "logit-test");
    for (int i = 0; i < u.length; i++) {
      u[i] = (float) rng.nextDouble();
    }
    return m.create(u, shape);
  }

  @Test
  void inverseUndoesForwardOnImages() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = unitImages(m, 4);
      Logit logit = new Logit(0.05);
      Transformed t = logit.forward(x, LogDetMode.EXACT);
      assertEquals(x.getShape(), t.value().getShape());
      assertTrue(FlowChecks.maxAbsDiff(x, logit.inverse(t.value())) < 1e-6);
    }
  }

  @Test
  void logDetMatchesTheBruteForceJacobian() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = unitImages(m, 3);
      for (double alpha : new double[] {0.05, 1e-6}) {
        Logit logit = new Logit(alpha);
        float[] logDet = logit.forward(x, LogDetMode.EXACT).logDet().toFloatArray();
        double[][][] jac = FlowChecks.jacobians(v -> logit.forward(v, LogDetMode.EXACT).value(), x);
        for (int s = 0; s < 3; s++) {
          double exact = Lu.logAbsDet(jac[s]);
          assertEquals(exact, logDet[s], 1e-3 * Math.max(1, Math.abs(exact)), "alpha " + alpha);
        }
      }
    }
  }

  @Test
  void rejectsAlphaOutsideTheUnitInterval() {
    assertThrows(IllegalArgumentException.class, () -> new Logit(1.0));
    assertThrows(IllegalArgumentException.class, () -> new Logit(-0.1));
  }
}
