package org.flowlab.core.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.flowlab.core.config.ExperimentConfig.DataConfig;
import org.flowlab.core.data.DataSplits;
import org.flowlab.core.data.Datasets;
import org.flowlab.core.data.ToyDensity;
import org.junit.jupiter.api.Test;

class EvaluationTest {

  @Test
  void trueNllOfAUniformDensityIsItsEntropyOnAnyPoints() {
    DataSplits data = Datasets.load("checkerboard", 1, 0, 5_000, 0);
    assertEquals(5 * Math.log(2), Evaluation.trueNll(data.truth(), data.test()), 1e-12);
  }

  @Test
  void trueNllAveragesToTheEntropy() {
    // E[−log p(X)] = H: on 200,000 draws of the correlated Gaussian the mean is within 4 standard
    // errors (sd of −log p is 1 for a 2D Gaussian, so SE = 1/sqrt(n) ≈ 0.0022) of the exact
    // entropy.
    DataSplits data = Datasets.load("gaussian", 1, 0, 200_000, 3);
    ToyDensity truth = data.truth();
    assertEquals(
        truth.entropy().getAsDouble(), Evaluation.trueNll(truth, data.test()), 4 / Math.sqrt(2e5));
  }

  @Test
  void trueConditionalNllOfComponentsAveragesToTheConditionalEntropy() {
    // Given its component, a point of the 8 Gaussians is one isotropic Gaussian: E[−log p(X | k)]
    // = log(2πe σ²) exactly, and −log p has sd 1 in 2D.
    DataSplits data = conditional("8gaussians", "component", 200_000);
    double nll = Evaluation.trueConditionalNll(data.truth(), data.test());
    assertEquals(data.entropy().getAsDouble(), nll, 4 / Math.sqrt(2e5));
    assertTrue(nll < Evaluation.trueNll(Datasets.density("8gaussians"), points(data)) - 2);
  }

  @Test
  void theMoonsConditionalsAverageToTheirMixture() {
    // p(x) = ½ p(x | upper) + ½ p(x | lower) at any point, labelled or not.
    ToyDensity labelled = Datasets.density("moons", "moon");
    ToyDensity plain = Datasets.density("moons");
    for (double[] xy : new double[][] {{0, 1.5}, {1, -0.5}, {-0.7, 0.3}, {2.5, 2.5}}) {
      double mixture =
          0.5 * Math.exp(labelled.logDensity(xy[0], xy[1], 0))
              + 0.5 * Math.exp(labelled.logDensity(xy[0], xy[1], 1));
      assertEquals(Math.exp(plain.logDensity(xy[0], xy[1])), mixture, 1e-12);
    }
  }

  @Test
  void labelledPointsAreThePlainOnesWithTheirOneHotComponent() {
    DataSplits labelled = conditional("8gaussians", "component", 100);
    DataSplits plain = Datasets.load("8gaussians", 1, 1, 100, 3);
    float[] rows = labelled.test().floats();
    float[] xy = plain.test().floats();
    for (int i = 0; i < 100; i++) {
      assertEquals(xy[2 * i], rows[10 * i]);
      assertEquals(xy[2 * i + 1], rows[10 * i + 1]);
      int hot = 0;
      double sum = 0;
      for (int j = 0; j < 8; j++) {
        sum += rows[10 * i + 2 + j];
        hot = rows[10 * i + 2 + j] == 1f ? j : hot;
      }
      assertEquals(1.0, sum, "one-hot row " + i);
      // the point lies nearest the centre of its component (radius 2.83, σ 0.35)
      double angle = Math.atan2(rows[10 * i + 1], rows[10 * i]);
      assertEquals(0, Math.floorMod(Math.round(angle / (Math.PI / 4)) - hot, 8), "row " + i);
    }
  }

  private static DataSplits conditional(String name, String condition, int test) {
    return Datasets.load(new DataConfig(name, null, 1, 1, test, null, null, condition), 3);
  }

  /** The test points without their labels. */
  private static org.flowlab.core.data.Points points(DataSplits data) {
    float[] rows = data.test().floats();
    float[] xy = new float[2 * data.test().count()];
    for (int i = 0; i < data.test().count(); i++) {
      xy[2 * i] = rows[i * data.rowDim()];
      xy[2 * i + 1] = rows[i * data.rowDim() + 1];
    }
    return org.flowlab.core.data.Points.of(xy, 2);
  }
}
