package org.flowlab.api.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.flowlab.api.random.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BaseDistributionTest {
  private static double normalLogPdf(double z) {
    return -0.5 * z * z - 0.5 * Math.log(2 * Math.PI);
  }

  private static double logisticLogPdf(double z) {
    return -z - 2 * Math.log1p(Math.exp(-z));
  }

  @ParameterizedTest
  @ValueSource(strings = {"normal", "logistic"})
  void densityIntegratesToOneIn1d(String name) {
    BaseDistribution base = BaseDistribution.named(name);
    double bound = 40; // the logistic's tails beyond ±40 hold e^-40
    int points = 80_000;
    double h = 2 * bound / points;
    float[] grid = new float[points];
    for (int i = 0; i < points; i++) {
      grid[i] = (float) (-bound + (i + 0.5) * h);
    }
    try (NDManager m = NDManager.newBaseManager()) {
      float[] logp = base.logProb(m.create(grid, new Shape(points, 1))).toFloatArray();
      double integral = 0;
      for (float lp : logp) {
        integral += Math.exp(lp);
      }
      assertEquals(1, integral * h, 1e-4);
    }
  }

  @Test
  void logProbMatchesTheClosedFormSummedOverEventAxes() {
    float[] z = {-3f, -0.5f, 0f, 0.25f, 2f, 7f};
    try (NDManager m = NDManager.newBaseManager()) {
      var batch = m.create(z, new Shape(1, 2, 3));
      double normal = 0;
      double logistic = 0;
      for (float v : z) {
        normal += normalLogPdf(v);
        logistic += logisticLogPdf(v);
      }
      assertEquals(normal, new StandardNormal().logProb(batch).getFloat(0), 1e-4);
      assertEquals(logistic, new StandardLogistic().logProb(batch).getFloat(0), 1e-4);
      assertEquals(new Shape(1), new StandardNormal().logProb(batch).getShape());
    }
  }

  @ParameterizedTest
  @ValueSource(doubles = {1.0, 0.5})
  void normalSamplesHaveTheRightMomentsAtEachTemperature(double temperature) {
    double[] moments = moments(new StandardNormal(), temperature, 1.0);
    int n = 100_000;
    assertEquals(0, moments[0], 5 * temperature / Math.sqrt(n));
    assertEquals(
        temperature * temperature, moments[1], 5 * temperature * temperature * Math.sqrt(2.0 / n));
    assertEquals(0.8413, moments[2], 0.005, "P(Z < T)");
  }

  @ParameterizedTest
  @ValueSource(doubles = {1.0, 0.5})
  void logisticSamplesHaveTheRightMomentsAtEachTemperature(double temperature) {
    double[] moments = moments(new StandardLogistic(), temperature, 1.0);
    double variance = Math.PI * Math.PI / 3 * temperature * temperature;
    assertEquals(0, moments[0], 0.03 * temperature);
    assertEquals(variance, moments[1], 0.03 * variance);
    assertEquals(1 / (1 + Math.exp(-1)), moments[2], 0.005, "P(Z < T) = sigmoid(1)");
  }

  @Test
  void zeroTemperatureGivesTheModeAndUnknownNamesAreRejected() {
    try (NDManager m = NDManager.newBaseManager()) {
      for (BaseDistribution base :
          new BaseDistribution[] {new StandardNormal(), new StandardLogistic()}) {
        float[] s = base.sample(m, new Shape(3), 4, 0.0, Seeds.stream(1, "t0")).toFloatArray();
        for (float v : s) {
          assertEquals(0f, v, 0f);
        }
      }
    }
    assertThrows(IllegalArgumentException.class, () -> BaseDistribution.named("cauchy"));
  }

  /** Mean, variance and the fraction below {@code temperature · q} of 100k draws. */
  private static double[] moments(BaseDistribution base, double temperature, double q) {
    try (NDManager m = NDManager.newBaseManager()) {
      float[] s =
          base.sample(m, new Shape(2), 50_000, temperature, Seeds.stream(4, "moments"))
              .toFloatArray();
      double mean = 0;
      double sq = 0;
      int below = 0;
      for (float v : s) {
        mean += v;
        sq += v * v;
        below += v < temperature * q ? 1 : 0;
      }
      mean /= s.length;
      return new double[] {mean, sq / s.length - mean * mean, below / (double) s.length};
    }
  }
}
