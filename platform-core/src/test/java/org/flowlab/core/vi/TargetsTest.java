package org.flowlab.core.vi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.config.InvalidValueException;
import org.flowlab.api.target.Target;
import org.junit.jupiter.api.Test;

/**
 * The built-in targets: U1–U4 at points worked out by hand from the paper's formulas, the
 * normalised ones integrating to 1 (log Z = 0 by the evaluation's quadrature), and the evaluation's
 * importance-sampling helpers.
 */
class TargetsTest {
  private static double[] logDensity(Target t, float... xy) {
    try (NDManager m = NDManager.newBaseManager()) {
      int n = xy.length / t.dim();
      return t.logDensity(m.create(xy, new Shape(n, t.dim())))
          .toType(ai.djl.ndarray.types.DataType.FLOAT64, false)
          .toDoubleArray();
    }
  }

  private static Target energy(int k) {
    return new EnergyTarget(k).build(new EnergyTarget.Params(null), null);
  }

  @Test
  void energiesMatchTheirFormulasAtHandPoints() {
    double[] u1 = logDensity(energy(1), 2, 0, 0, 2);
    assertEquals(Math.log1p(Math.exp(-0.5 * Math.pow(4 / 0.6, 2))), u1[0], 1e-5, "U1(2, 0)");
    assertEquals(Math.log(2) - 0.5 * Math.pow(2 / 0.6, 2), u1[1], 1e-4, "U1(0, 2)");
    // w1(1) = sin(π/2) = 1, so z2 = 1 is U2's ridge; z2 = 1.4 is one width (0.4) off it.
    double[] u2 = logDensity(energy(2), 1, 1, 1, 1.4f);
    assertEquals(0, u2[0], 1e-6);
    assertEquals(-0.5, u2[1], 1e-5);
    // U3 at z1 = 1: w2 = 3, the two ridges at z2 = w1 = 1 and z2 = w1 − w2 = −2.
    double[] u3 = logDensity(energy(3), 1, 1, 1, -2);
    double other = -0.5 * Math.pow(3 / 0.35, 2);
    assertEquals(Math.log1p(Math.exp(other)), u3[0], 1e-5);
    assertEquals(Math.log1p(Math.exp(other)), u3[1], 1e-5);
    // U4 at z1 = 1: w3 = 3·σ(0) = 1.5; the second ridge at z2 = w1 − w3 = −0.5.
    double[] u4 = logDensity(energy(4), 1, -0.5f);
    assertEquals(Math.log1p(Math.exp(-0.5 * Math.pow(1.5 / 0.4, 2))), u4[0], 1e-5);
  }

  @Test
  void theWallHoldsZ1InTheBoxOnly() {
    double[] inside = logDensity(energy(2), 3.9f, (float) Math.sin(Math.PI / 2 * 3.9));
    double[] outside = logDensity(energy(2), 4.2f, (float) Math.sin(Math.PI / 2 * 4.2));
    assertEquals(0, inside[0], 1e-5);
    assertEquals(-0.5, outside[0], 1e-4, "0.2 beyond the box: one wall width");
  }

  @Test
  void normalisedTargetsIntegrateToOne() {
    try (NDManager m = NDManager.newBaseManager()) {
      List<Target> normalised =
          List.of(
              new BananaTarget().build(new BananaTarget.Params(0.5, null), null),
              new GaussianMixtureTarget()
                  .build(new GaussianMixtureTarget.Params(null, null, null, null), 2));
      for (Target t : normalised) {
        assertEquals(0, t.logNormalizer().getAsDouble());
        assertEquals(0, VariationalEvaluation.quadratureLogZ(t, m), 2e-3);
      }
    }
  }

  @Test
  void theFunnelMatchesItsFormula() {
    Target funnel = new FunnelTarget().build(new FunnelTarget.Params(null), 3);
    double x0 = 1.0;
    double expected =
        -0.5 * x0 * x0 / 9
            - 0.5 * Math.log(2 * Math.PI * 9)
            + 2 * (-0.5 * Math.log(2 * Math.PI) - 0.5 * x0)
            - 0.5 * (0.25 + 1.0) * Math.exp(-x0);
    assertEquals(expected, logDensity(funnel, 1, 0.5f, -1)[0], 1e-5);
    assertEquals(10, new FunnelTarget().build(new FunnelTarget.Params(null), null).dim());
  }

  @Test
  void badDimensionsNameTheDimKey() {
    List<org.junit.jupiter.api.function.Executable> bad =
        List.of(
            () -> new EnergyTarget(1).build(new EnergyTarget.Params(null), 3),
            () -> new BananaTarget().build(new BananaTarget.Params(null, null), 1),
            () -> new FunnelTarget().build(new FunnelTarget.Params(null), 1));
    for (var build : bad) {
      assertEquals("dim", assertThrows(InvalidValueException.class, build).key());
    }
  }

  @Test
  void importanceWeightsGiveLogMeanExpAndAnEssFraction() {
    double[] equal = {0.3, 0.3, 0.3, 0.3};
    assertEquals(0.3, VariationalEvaluation.logMeanExp(equal), 1e-12);
    assertEquals(1.0, VariationalEvaluation.effectiveSampleFraction(equal), 1e-12);
    double[] one = {
      0, Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY
    };
    assertEquals(Math.log(0.25), VariationalEvaluation.logMeanExp(one), 1e-12);
    assertEquals(0.25, VariationalEvaluation.effectiveSampleFraction(one), 1e-12);
    assertEquals(7, BuiltInTargets.all().size());
  }
}
