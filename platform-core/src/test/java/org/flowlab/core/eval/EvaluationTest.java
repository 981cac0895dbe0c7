package org.flowlab.core.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
