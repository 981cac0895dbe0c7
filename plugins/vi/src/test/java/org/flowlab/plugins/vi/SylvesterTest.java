package org.flowlab.plugins.vi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.flowlab.api.config.InvalidValueException;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.nn.Parameter;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.onnx.OnnxExportException;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.spi.FamilyBuildException;
import org.flowlab.api.testkit.FlowChecks;
import org.flowlab.api.testkit.SamplingChecks;
import org.junit.jupiter.api.Test;

/**
 * Sylvester flows beyond the conformance kit: Q keeps orthonormal columns however far the weights
 * move (orthogonal and Householder variants), the tanh diagonals keep a layer invertible at the
 * edge of the constraint, the config's cross-key errors name their key, and the density direction
 * and the export fail with one clear message.
 */
class SylvesterTest {
  private static Flow build(NDManager m, SylvesterConfig config, int d) {
    return new SylvesterFamily()
        .build(config, new BuildContext(new Shape(d), ParameterScope.root(m, 4)));
  }

  private static void assertOrthonormal(SylvesterConfig config, int d, int m, String raw) {
    try (NDManager manager = NDManager.newBaseManager()) {
      Flow flow = build(manager, config, d);
      FlowChecks.perturb(flow, 11, 1.0); // far from the uniform ±1/√d start
      for (Bijector bijector : flow.bijectors()) {
        NDArray q = ((SylvesterLayer) bijector).q();
        assertEquals(new Shape(d, m), q.getShape());
        double defect = OrthonormalBases.orthonormalityDefect(q);
        assertTrue(defect < 1e-5, config + ": ‖QᵀQ − I‖_F = " + defect);
      }
      Parameter weights =
          flow.parameters().stream().filter(p -> p.name().endsWith(raw)).findFirst().orElseThrow();
      double rawDefect = OrthonormalBases.orthonormalityDefect(weights.value());
      assertTrue(rawDefect > 0.1, "the raw " + raw + " is not orthonormal itself: " + rawDefect);
    }
  }

  @Test
  void theOrthogonalVariantsQHasOrthonormalColumns() {
    assertOrthonormal(new SylvesterConfig(3, "orthogonal", null, null), 2, 2, ".q");
    assertOrthonormal(new SylvesterConfig(3, "orthogonal", 3, null), 5, 3, ".q");
    assertOrthonormal(new SylvesterConfig(2, "orthogonal", null, null), 8, 8, ".q");
  }

  @Test
  void theHouseholderVariantsQIsOrthogonal() {
    assertOrthonormal(new SylvesterConfig(3, "householder", null, null), 2, 2, ".v");
    assertOrthonormal(new SylvesterConfig(3, "householder", null, 3), 5, 5, ".v");
  }

  @Test
  void theOrthogonalisationStopsAtThePapersTolerance() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray raw = m.create(new float[] {3, 0.2f, 1, -1, 0.5f, 2}, new Shape(3, 2));
      NDArray q = OrthonormalBases.orthonormalized(raw);
      assertTrue(OrthonormalBases.orthonormalityDefect(raw) > 1, "a far start");
      assertTrue(OrthonormalBases.orthonormalityDefect(q) < 1e-6, "converged in float32 too");
      // Q spans the columns of raw: its projection QQᵀ leaves them unchanged.
      NDArray projected = q.matMul(q.transpose()).matMul(raw);
      assertTrue(FlowChecks.maxAbsDiff(projected, raw) < 1e-5, "same column space");
    }
  }

  @Test
  void theTanhDiagonalsKeepALayerInvertibleAtTheEdge() {
    try (NDManager m = NDManager.newBaseManager()) {
      Flow flow = build(m, new SylvesterConfig(1, "triangular", null, null), 2);
      for (Parameter p : flow.parameters()) {
        // R_ii = tanh(6), R̃_ii = tanh(−6): R_ii·R̃_ii ≈ −0.99998, just above −1.
        float[] value =
            switch (p.name()) {
              case "layer.0.r" -> new float[] {6, 2, 0, 6};
              case "layer.0.r_tilde" -> new float[] {-6, 1, 0, -6};
              default -> new float[] {0, 0};
            };
        p.assign(m.create(value, p.value().getShape()));
      }
      SamplingChecks.assertOrientationKept(flow, 1);
      float[] logDet =
          flow.bijectors().get(0).sampleForward(m.zeros(new Shape(4, 2))).logDet().toFloatArray();
      for (float v : logDet) {
        assertTrue(Float.isFinite(v) && v < -15, "at z = 0, h' = 1: log(1 − 0.99998)·2 = " + v);
      }
    }
  }

  @Test
  void keysOfAnotherVariantAndTooManyVectorsAreLocatedErrors() {
    InvalidValueException wrongVariant =
        assertThrows(
            InvalidValueException.class, () -> new SylvesterConfig(2, "householder", 2, null));
    assertEquals("orthogonal_vectors", wrongVariant.key());
    assertEquals(
        "reflections",
        assertThrows(
                InvalidValueException.class, () -> new SylvesterConfig(2, "triangular", null, 2))
            .key());
    assertEquals(
        "variant",
        assertThrows(InvalidValueException.class, () -> new SylvesterConfig(2, "qr", null, null))
            .key());
    try (NDManager m = NDManager.newBaseManager()) {
      FamilyBuildException tooMany =
          assertThrows(
              FamilyBuildException.class,
              () -> build(m, new SylvesterConfig(2, "orthogonal", 3, null), 2));
      assertEquals("orthogonal_vectors", tooMany.key());
      assertEquals("must be <= the dimension 2, got 3", tooMany.problem());
    }
  }

  @Test
  void theDensityDirectionAndTheExportFailWithAClearMessage() {
    try (NDManager m = NDManager.newBaseManager()) {
      Flow flow = build(m, SylvesterConfig.defaults(), 2);
      UnsupportedOperationException e =
          assertThrows(
              UnsupportedOperationException.class,
              () -> flow.logProb(m.zeros(new Shape(3, 2)), LogDetMode.EXACT));
      assertTrue(e.getMessage().startsWith("sylvester offers the sampling direction only"));
      OnnxExportException export = assertThrows(OnnxExportException.class, flow::toOnnx);
      assertTrue(export.getMessage().startsWith("sylvester offers sampling only"));
    }
  }
}
