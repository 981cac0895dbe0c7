package org.flowlab.api.estimate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.SplittableRandom;
import org.flowlab.api.linalg.Lu;
import org.flowlab.api.nn.EagerOps;
import org.flowlab.api.nn.SpectralNorm;
import org.junit.jupiter.api.Test;

/**
 * The log-det estimators against exact values: the LU log-det against a cofactor determinant, its
 * gradient against the inverse transpose, the truncated Hutchinson series against its exact traces,
 * and the Russian-roulette estimate against the exact log-det (within 3 standard errors).
 */
class EstimatorsTest {
  /** A d × d matrix with spectral norm {@code norm}, row-major. */
  private static float[] contraction(int d, double norm, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    float[] w = new float[d * d];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) rng.nextGaussian();
    }
    double sigma = SpectralNorm.largestSingularValue(w, d, d);
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (w[i] * norm / sigma);
    }
    return w;
  }

  private static double[][] matrix(float[] w, int d) {
    double[][] a = new double[d][d];
    for (int r = 0; r < d; r++) {
      for (int c = 0; c < d; c++) {
        a[r][c] = w[r * d + c];
      }
    }
    return a;
  }

  /** v ↦ J v per sample, for a fixed J. */
  private static LinearOperator times(NDArray j) {
    return v -> v.matMul(j.transpose());
  }

  @Test
  void exactLogDetMatchesACofactorDeterminantAndHasTheInverseTransposeAsGradient() {
    try (NDManager m = NDManager.newBaseManager()) {
      int d = 3;
      float[] w = contraction(d, 2.5, 1); // not a contraction: any matrix works here
      NDArray j = m.create(w, new Shape(d, d));
      j.setRequiresGradient(true);
      NDArray like = m.zeros(new Shape(4, d));
      double[][] a = matrix(w, d);
      for (int i = 0; i < d; i++) {
        a[i][i] += 1;
      }
      double det =
          a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1])
              - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0])
              + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
      assertEquals(Math.log(Math.abs(det)), Lu.logAbsDet(a), 1e-12);
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray jac = ExactLogDet.jacobian(times(j), like);
        NDArray logDet = EagerOps.FLOAT32.logAbsDet(jac.add(m.eye(d)));
        for (float value : logDet.toFloatArray()) {
          assertEquals(Math.log(Math.abs(det)), value, 1e-5);
        }
        gc.backward(logDet.sum());
      }
      // gradient / batch = (I + J)^{-T}, so gradᵀ/4 · (I + J) = I.
      float[] g = j.getGradient().toFloatArray();
      for (int r = 0; r < d; r++) {
        for (int c = 0; c < d; c++) {
          double s = 0;
          for (int k = 0; k < d; k++) {
            s += g[k * d + r] / 4.0 * a[k][c];
          }
          assertEquals(r == c ? 1 : 0, s, 1e-4, "(gradᵀ (I+J))[" + r + "][" + c + "]");
        }
      }
    }
  }

  @Test
  void longPowerSeriesConvergesToTheLogDetOfAContraction() {
    int d = 5;
    double[][] j = matrix(contraction(d, 0.6, 2), d);
    double[][] a = matrix(contraction(d, 0.6, 2), d);
    for (int i = 0; i < d; i++) {
      a[i][i] += 1;
    }
    assertEquals(Lu.logAbsDet(a), PowerSeries.exactTruncated(j, 200), 1e-10);
    assertTrue(
        Math.abs(Lu.logAbsDet(a) - PowerSeries.exactTruncated(j, 2)) > 1e-3,
        "two terms are visibly biased, or the test is vacuous");
  }

  @Test
  void truncatedHutchinsonAveragesToTheExactTruncatedSeries() {
    try (NDManager m = NDManager.newBaseManager()) {
      int d = 4;
      float[] w = contraction(d, 0.8, 3);
      NDArray j = m.create(w, new Shape(d, d));
      double expected = PowerSeries.exactTruncated(matrix(w, d), 3);
      Engine.getInstance().setRandomSeed(7);
      NDArray probe = m.randomNormal(new Shape(20_000, d));
      float[] est = PowerSeries.truncated(times(j), probe, 3).toFloatArray();
      assertWithinThreeStandardErrors(expected, est);
    }
  }

  @Test
  void russianRouletteIsUnbiasedForGeometricAndPoissonN() {
    try (NDManager m = NDManager.newBaseManager()) {
      int d = 3;
      float[] w = contraction(d, 0.7, 4);
      NDArray j = m.create(w, new Shape(d, d));
      double[][] a = matrix(w, d);
      for (int i = 0; i < d; i++) {
        a[i][i] += 1;
      }
      double exact = Lu.logAbsDet(a);
      double truncatedTwo = PowerSeries.exactTruncated(matrix(w, d), 2);
      for (RussianRoulette rr :
          new RussianRoulette[] {
            new RussianRoulette(RussianRoulette.Kind.GEOMETRIC, 0.5, 2),
            new RussianRoulette(RussianRoulette.Kind.POISSON, 2.0, 1)
          }) {
        int calls = 1500;
        float[] callMeans = new float[calls];
        int maxExtra = 0;
        for (int i = 0; i < calls; i++) {
          Engine.getInstance().setRandomSeed(1000 + i);
          RussianRoulette.Draw draw = rr.draw(m);
          maxExtra = Math.max(maxExtra, draw.extra());
          NDArray probe = m.randomNormal(new Shape(16, d));
          callMeans[i] = RussianRoulette.estimate(times(j), probe, draw).mean().getFloat();
        }
        assertTrue(maxExtra >= 4, "N varies: max " + maxExtra);
        assertWithinThreeStandardErrors(exact, callMeans);
        double mean = mean(callMeans);
        assertTrue(
            Math.abs(mean - truncatedTwo) > Math.abs(mean - exact),
            "closer to the exact value than to the 2-term truncation");
      }
    }
  }

  @Test
  void rouletteDrawsFollowTheirSurvivalFunctions() {
    RussianRoulette geometric = new RussianRoulette(RussianRoulette.Kind.GEOMETRIC, 0.5, 2);
    RussianRoulette poisson = new RussianRoulette(RussianRoulette.Kind.POISSON, 2.0, 0);
    assertEquals(0.25, geometric.survival(2), 1e-15);
    assertEquals(1 - 3 * Math.exp(-2), poisson.survival(2), 1e-12);
    int n = 100_000;
    for (RussianRoulette rr : new RussianRoulette[] {geometric, poisson}) {
      int[] atLeast = new int[6];
      for (int i = 0; i < n; i++) {
        int extra = rr.draw((i + 0.5) / n).extra();
        for (int k = 0; k < atLeast.length && k <= extra; k++) {
          atLeast[k]++;
        }
      }
      for (int k = 0; k < atLeast.length; k++) {
        assertEquals(rr.survival(k), atLeast[k] / (double) n, 2e-5, "P(N >= " + k + ")");
      }
    }
    RussianRoulette.Draw draw = geometric.draw(0.9); // level 0.1: N = 3
    assertEquals(3, draw.extra());
    assertEquals(5, draw.weights().length);
    assertEquals(1, draw.weights()[1]);
    assertEquals(8, draw.weights()[4], 1e-12, "term n + 3 weighted 1/P(N >= 3)");
  }

  private static double mean(float[] xs) {
    double s = 0;
    for (float x : xs) {
      s += x;
    }
    return s / xs.length;
  }

  private static void assertWithinThreeStandardErrors(double expected, float[] samples) {
    double mean = mean(samples);
    double var = 0;
    for (float x : samples) {
      var += (x - mean) * (x - mean);
    }
    double se = Math.sqrt(var / (samples.length - 1) / samples.length);
    assertTrue(se > 0, "the estimator must vary");
    assertTrue(
        Math.abs(mean - expected) <= 3 * se,
        "mean " + mean + " vs exact " + expected + " (standard error " + se + ")");
  }
}
