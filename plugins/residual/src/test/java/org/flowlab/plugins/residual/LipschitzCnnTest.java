package org.flowlab.plugins.residual;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.nn.SpectralNorm;
import org.junit.jupiter.api.Test;

/**
 * The convolutional g's Lipschitz bound: each normalised convolution, written out as the full
 * matrix of the linear map on images of the block's size, has largest singular value at most c (and
 * close to it when the raw kernel is larger), in evaluation and after training calls.
 */
class LipschitzCnnTest {
  @Test
  void normalisedConvolutionsHaveOperatorNormAtMostCoeff() {
    try (NDManager m = NDManager.newBaseManager()) {
      Shape shape = new Shape(2, 5, 5);
      double c = 0.9;
      LipschitzCnn net =
          new LipschitzCnn(ParameterScope.root(m, 3).child("net"), shape, List.of(6), "elu", c, 5);
      for (NDArray w : net.rawWeights()) {
        w.set(w.mul(4).toFloatArray()); // well above the bound, so the normalisation acts
      }
      for (boolean training : new boolean[] {false, true, false}) {
        if (training) {
          for (int i = 0; i < 30; i++) {
            net.weights(true); // training calls refine the stored vectors step by step
          }
        }
        List<NDArray> weights = net.weights(training);
        long[] channels = {2, 6, 2};
        for (int l = 0; l < weights.size(); l++) {
          double sigma = operatorNorm(m, weights.get(l), channels[l], 5, 5);
          String label = "layer " + l + (training ? " (training)" : " (evaluation)");
          assertTrue(sigma <= c * (training ? 1.01 : 1.001), label + ": σ = " + sigma);
          if (!training) {
            assertEquals(c, sigma, 1e-3, label + ": converged power iteration hits c");
          }
        }
      }
    }
  }

  /** Largest singular value of {@code x ↦ conv(x)} on images (in, h, w), from its full matrix. */
  private static double operatorNorm(NDManager m, NDArray kernel, long in, int h, int w) {
    int n = Math.toIntExact(in * h * w);
    NDArray basis = m.eye(n).reshape(n, in, h, w);
    NDArray out =
        ai.djl.nn.convolutional.Conv2d.conv2d(basis, kernel, null, new Shape(1, 1), new Shape(1, 1))
            .singletonOrThrow()
            .reshape(n, -1); // row j = conv(e_j): the matrix transposed
    int rows = Math.toIntExact(out.getShape().get(0));
    int cols = Math.toIntExact(out.getShape().get(1));
    return SpectralNorm.largestSingularValue(out.toFloatArray(), rows, cols);
  }
}
