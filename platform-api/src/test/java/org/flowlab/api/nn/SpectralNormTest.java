package org.flowlab.api.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SpectralNormTest {
  @Test
  void powerIterationFindsTheLargestSingularValue() {
    // diag(3, 1) rotated: singular values 3 and 1, whatever the rotation.
    double t = 0.7;
    float c = (float) Math.cos(t);
    float s = (float) Math.sin(t);
    float[] w = {3 * c, -s, 3 * s, c};
    assertEquals(3.0, SpectralNorm.largestSingularValue(w, 2, 2), 1e-6);
    // A rank-one 3 × 2 matrix a·bᵀ has σ = |a|·|b|.
    float[] outer = {1 * 2, 1 * -1, 2 * 2, 2 * -1, -2 * 2, -2 * -1};
    assertEquals(3 * Math.sqrt(5), SpectralNorm.largestSingularValue(outer, 3, 2), 1e-6);
  }

  @Test
  void normalisedWeightHasSpectralNormCAndTrainingCallsUpdateTheVectors() {
    try (NDManager m = NDManager.newBaseManager()) {
      ParameterScope scope = ParameterScope.root(m, 3);
      NDArray w = scope.trainable("w", new Shape(6, 4), Initializer.normal(2.0));
      double before = SpectralNorm.largestSingularValue(w.toFloatArray(), 6, 4);
      assertTrue(before > 1, "the test weight must need normalising: " + before);
      SpectralNorm sn = new SpectralNorm(scope.child("sn"), w, 0.9, 1, 1e-6);
      NDArray u = scope.parameters().get(1).value();
      float[] storedU = u.toFloatArray();

      NDArray frozen = sn.weight(false);
      assertArrayEquals(storedU, u.toFloatArray(), "evaluation leaves the vectors alone");
      assertArrayEquals(
          frozen.toFloatArray(), sn.weight(false).toFloatArray(), "and is a pure function");
      double sigma = SpectralNorm.largestSingularValue(frozen.toFloatArray(), 6, 4);
      assertEquals(0.9, sigma, 1e-4, "Lip of the normalised map");

      NDArray trained = sn.weight(true);
      assertFalse(Arrays.equals(storedU, u.toFloatArray()), "training refines the stored u");
      for (int i = 0; i < 30; i++) {
        trained = sn.weight(true); // one engine power step per call, warm-started
      }
      assertEquals(0.9, SpectralNorm.largestSingularValue(trained.toFloatArray(), 6, 4), 1e-3);
      sn.weight(false);
      assertEquals(before, sn.lastSigma(), 1e-3 * before);
    }
  }

  @Test
  void smallWeightsPassUnchangedAndGradientsReachTheWeight() {
    try (NDManager m = NDManager.newBaseManager()) {
      ParameterScope scope = ParameterScope.root(m, 4);
      NDArray small = scope.trainable("small", new Shape(3, 3), Initializer.uniform(0.05));
      SpectralNorm smallNorm = new SpectralNorm(scope.child("a"), small, 0.9, 2, 1e-6);
      assertSame(small, smallNorm.weight(false));
      assertArrayEquals(small.toFloatArray(), smallNorm.weight(true).toFloatArray(), 1e-7f);

      NDArray big = scope.trainable("big", new Shape(3, 3), Initializer.normal(3.0));
      SpectralNorm sn = new SpectralNorm(scope.child("b"), big, 0.5, 2, 1e-6);
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray loss = sn.weight(true).square().sum();
        gc.backward(loss);
      }
      float[] grad = big.getGradient().toFloatArray();
      double norm = 0;
      for (float g : grad) {
        norm += g * g;
      }
      assertTrue(
          norm > 0 && Double.isFinite(norm), "gradient flows through σ̂ to the weight: " + norm);
    }
  }

  @Test
  void normalisedRandomMatricesNeverExceedC() {
    SplittableRandom rng = new SplittableRandom(11);
    try (NDManager m = NDManager.newBaseManager()) {
      for (int trial = 0; trial < 10; trial++) {
        ParameterScope scope = ParameterScope.root(m, trial);
        int rows = 2 + rng.nextInt(10);
        int cols = 2 + rng.nextInt(10);
        NDArray w = scope.trainable("w", new Shape(rows, cols), Initializer.normal(1.5));
        SpectralNorm sn = new SpectralNorm(scope.child("sn"), w, 0.97, 5, 1e-7);
        NDArray trained = sn.weight(true);
        for (int i = 0; i < 10; i++) {
          trained = sn.weight(true);
        }
        // Training calls use a few warm-started power steps: close to c, but not a bound.
        double sigma = SpectralNorm.largestSingularValue(trained.toFloatArray(), rows, cols);
        assertTrue(sigma <= 0.97 * 1.03, rows + "x" + cols + " training: σ = " + sigma);
        // Evaluation iterates to convergence: the bound holds.
        sigma = SpectralNorm.largestSingularValue(sn.weight(false).toFloatArray(), rows, cols);
        assertTrue(sigma <= 0.97 * (1 + 1e-4), rows + "x" + cols + ": σ = " + sigma);
      }
    }
  }
}
