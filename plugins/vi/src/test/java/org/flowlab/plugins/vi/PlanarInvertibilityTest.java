package org.flowlab.plugins.vi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * constraint is switched off and whose {@code wᵀu = −3}, and passes the same weights constrained
 * (amortised layers: {@code AmortisedConstraintsTest}).
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
