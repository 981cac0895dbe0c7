package org.flowlab.plugins.vi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Map;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.nn.Parameter;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.spi.FlowFamily;
import org.flowlab.api.testkit.SamplingChecks;
import org.junit.jupiter.api.Test;

/**
 * The radial and Sylvester constraints hold per sample when the context drives a layer's parameters
 * to the edge: β ≥ −α (radial) and Rᵢᵢ·R̃ᵢᵢ > −1 (Sylvester) for each context row, so the map keeps
 * its orientation and the log-det stays finite. (Planar: {@code PlanarInvertibilityTest}.)
 */
class AmortisedConstraintsTest {
  /** One amortised layer on d = 2, context of 1 feature; named parameters set, the rest zero. */
  private static <C> Flow oneLayer(
      NDManager m, FlowFamily<C> family, C config, Map<String, float[]> values) {
    Flow flow = family.build(config, new BuildContext(new Shape(2), ParameterScope.root(m, 3), 1));
    for (Parameter p : flow.parameters()) {
      float[] value = values.getOrDefault(p.name(), new float[Math.toIntExact(p.value().size())]);
      p.assign(m.create(value, p.value().getShape()));
    }
    return flow;
  }

  /** c = 1, −1, 1, … for {@code n} samples, shape (n, 1). */
  private static NDArray alternating(NDManager m, int n) {
    float[] c = new float[n];
    for (int i = 0; i < n; i++) {
      c[i] = i % 2 == 0 ? 1 : -1;
    }
    return m.create(c, new Shape(n, 1));
  }

  @Test
  void planarKeepsWTransposeUHatAboveMinusOnePerSample() {
    try (NDManager m = NDManager.newBaseManager()) {
      // w = (1, 0), b = 0 and u = (−3c, 0): wᵀu = −3 at c = 1 and +3 at c = −1.
      Map<String, float[]> values =
          Map.of("layer.0.w", new float[] {1, 0}, "layer.0.context.u", new float[] {-3, 0});
      NDArray c = alternating(m, SamplingChecks.ORIENTATION_POINTS);
      Flow unconstrained = oneLayer(m, new PlanarFamily(), new PlanarConfig(1, false), values);
      AssertionError e =
          assertThrows(
              AssertionError.class,
              () -> SamplingChecks.assertOrientationKept(unconstrained, c, 1));
      assertTrue(e.getMessage().contains("folds space"), e.getMessage());
      Flow constrained = oneLayer(m, new PlanarFamily(), new PlanarConfig(1, true), values);
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
  void radialKeepsBetaAtLeastMinusAlphaPerSample() {
    try (NDManager m = NDManager.newBaseManager()) {
      // α' = 1 and β' = −30c: at c = 1, β = −α + softplus(−30), the edge of β ≥ −α.
      Flow flow =
          oneLayer(
              m,
              new RadialFamily(),
              new RadialConfig(1),
              Map.of("layer.0.alpha", new float[] {1}, "layer.0.context.beta", new float[] {-30}));
      NDArray c = alternating(m, SamplingChecks.ORIENTATION_POINTS);
      SamplingChecks.assertOrientationKept(flow, c, 2);
      float[] logDet =
          flow.decodeWithLogDet(m.ones(new Shape(2, 2)), alternating(m, 2)).logDet().toFloatArray();
      // At c = 1: 1 + βh = r/(α + r) and 1 + βα/(α + r)² = 1 − α²/(α + r)², r = √2, α =
      // softplus(1).
      double alpha = Math.log1p(Math.E);
      double r = Math.sqrt(2);
      double expected =
          Math.log(r / (alpha + r)) + Math.log(1 - alpha * alpha / Math.pow(alpha + r, 2));
      assertEquals(expected, logDet[0], 1e-4, "c = 1: β = −α");
      assertTrue(
          Float.isFinite(logDet[1]) && logDet[1] > 0, "c = −1: β = 30 − α expands: " + logDet[1]);
    }
  }

  @Test
  void sylvesterKeepsTheDiagonalProductAboveMinusOnePerSample() {
    try (NDManager m = NDManager.newBaseManager()) {
      // r_ii = 6c and r̃_ii = −6c: Rᵢᵢ·R̃ᵢᵢ = −tanh²(6) ≈ −0.99998 at c = ±1.
      Flow flow =
          oneLayer(
              m,
              new SylvesterFamily(),
              new SylvesterConfig(1, "householder", null, null),
              Map.of(
                  "layer.0.v", new float[] {1, 0, 0, 1},
                  "layer.0.context.r", new float[] {6, 0, 0, 6},
                  "layer.0.context.r_tilde", new float[] {-6, 0, 0, -6}));
      NDArray c = alternating(m, SamplingChecks.ORIENTATION_POINTS);
      SamplingChecks.assertOrientationKept(flow, c, 2);
      float[] logDet =
          flow.decodeWithLogDet(m.zeros(new Shape(2, 2)), alternating(m, 2))
              .logDet()
              .toFloatArray();
      double edge = 2 * Math.log(1 - Math.pow(Math.tanh(6), 2)); // at z = 0, h' = 1
      for (float v : logDet) {
        assertEquals(edge, v, 1e-2 * Math.abs(edge), "log-det at the edge, finite: " + v);
      }
    }
  }
}
