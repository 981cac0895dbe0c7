package org.flowlab.plugins.vi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.nn.Parameter;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.onnx.OnnxExportException;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.testkit.SamplingChecks;
import org.junit.jupiter.api.Test;

/**
 * The paper's constraint wᵀû ≥ −1: the kit's orientation check catches a planar layer whose
 * constraint is switched off and whose {@code wᵀu = −3}, and passes the same weights constrained;
 * an amortised layer keeps the constraint for each sample's own w and u.
 */
class PlanarInvertibilityTest {
  private static Flow folded(NDManager m, boolean enforce) {
    Flow flow =
        new PlanarFamily()
            .build(
                new PlanarConfig(1, enforce),
                new BuildContext(new Shape(2), ParameterScope.root(m, 1)));
    for (Parameter p : flow.parameters()) {
      float[] value =
          switch (p.name()) {
            case "layer.0.w" -> new float[] {1, 0};
            case "layer.0.u" -> new float[] {-3, 0};
            default -> new float[] {0};
          };
      p.assign(m.create(value, p.value().getShape()));
    }
    return flow;
  }

  @Test
  void aViolatedConstraintIsCaughtByTheOrientationCheck() {
    try (NDManager m = NDManager.newBaseManager()) {
      AssertionError e =
          assertThrows(
              AssertionError.class,
              () -> SamplingChecks.assertOrientationKept(folded(m, false), 1));
      assertTrue(e.getMessage().contains("folds space"), e.getMessage());
      SamplingChecks.assertOrientationKept(folded(m, true), 1);
    }
  }

  /**
   * One amortised layer on d = 2 with a context of 1 feature: w = (1, 0), b = 0 and u = (−3c, 0),
   * so wᵀu = −3 at c = 1 and +3 at c = −1.
   */
  private static Flow amortised(NDManager m, boolean enforce) {
    Flow flow =
        new PlanarFamily()
            .build(
                new PlanarConfig(1, enforce),
                new BuildContext(new Shape(2), ParameterScope.root(m, 1), 1));
    for (Parameter p : flow.parameters()) {
      float[] value =
          switch (p.name()) {
            case "layer.0.w" -> new float[] {1, 0};
            case "layer.0.context.u" -> new float[] {-3, 0};
            default -> new float[Math.toIntExact(p.value().size())];
          };
      p.assign(m.create(value, p.value().getShape()));
    }
    return flow;
  }

  /** c = 1, −1, 1, −1, … for {@code n} samples, shape (n, 1). */
  private static NDArray alternating(NDManager m, int n) {
    float[] c = new float[n];
    for (int i = 0; i < n; i++) {
      c[i] = i % 2 == 0 ? 1 : -1;
    }
    return m.create(c, new Shape(n, 1));
  }

  @Test
  void anAmortisedLayerEnforcesTheConstraintPerSample() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray c = alternating(m, SamplingChecks.ORIENTATION_POINTS);
      AssertionError e =
          assertThrows(
              AssertionError.class,
              () -> SamplingChecks.assertOrientationKept(amortised(m, false), c, 1));
      assertTrue(e.getMessage().contains("folds space"), e.getMessage());
      Flow constrained = amortised(m, true);
      SamplingChecks.assertOrientationKept(constrained, c, 1);
      // At z = 0 (h' = 1) the log-det is log(1 + wᵀû) = log(softplus(wᵀu)) for each sample's u.
      float[] logDet =
          constrained
              .decodeWithLogDet(m.zeros(new Shape(2, 2)), alternating(m, 2))
              .logDet()
              .toFloatArray();
      assertEquals(Math.log(Math.log1p(Math.exp(-3))), logDet[0], 1e-5, "c = 1: wᵀu = −3");
      assertEquals(Math.log(Math.log1p(Math.exp(3))), logDet[1], 1e-5, "c = −1: wᵀu = 3");
    }
  }

  @Test
  void theConstrainedLayerKeepsWTransposeUHatAboveMinusOne() {
    try (NDManager m = NDManager.newBaseManager()) {
      PlanarLayer layer = (PlanarLayer) folded(m, true).bijectors().get(0);
      float wu = layer.uHat().toFloatArray()[0]; // w = (1, 0), so wᵀû = û₀
      assertEquals(-1 + Math.log1p(Math.exp(-3)), wu, 1e-6, "m(−3) = −1 + softplus(−3)");
    }
  }

  @Test
  void theDensityDirectionFailsWithAClearMessage() {
    try (NDManager m = NDManager.newBaseManager()) {
      Flow flow = folded(m, true);
      UnsupportedOperationException e =
          assertThrows(
              UnsupportedOperationException.class,
              () -> flow.logProb(m.zeros(new Shape(3, 2)), LogDetMode.EXACT));
      assertTrue(e.getMessage().startsWith("planar offers the sampling direction only"));
      OnnxExportException export = assertThrows(OnnxExportException.class, flow::toOnnx);
      assertTrue(export.getMessage().startsWith("planar offers sampling only"));
    }
  }
}
