package org.flowlab.plugins.nice;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.random.Seeds;

/**
 * A fixed random rotation of vectors (d): forward (data → latent) {@code z = x·Q}, inverse {@code x
 * = z·Qᵀ}, with Q orthogonal (Gram–Schmidt of a Gaussian matrix drawn from the run seed and the
 * buffer's name), so the log-det is 0. Not part of NICE (Dinh et al. 2014); an option that lets the
 * axis-aligned additive couplings see other directions. Q is a buffer ({@code rotation}), saved
 * with the checkpoint and never trained.
 */
final class FixedRotation implements Bijector {
  private final NDArray rotation;

  /**
   * @param scope where the buffer {@code rotation} is registered
   * @param d the vector dimension
   */
  FixedRotation(ParameterScope scope, int d) {
    this.rotation = scope.buffer("rotation", new Shape(d, d), FixedRotation::orthogonal);
  }

  @Override
  public Transformed forward(NDArray x, LogDetMode mode) {
    NDArray logDet = x.getManager().zeros(new Shape(x.getShape().get(0)), x.getDataType());
    return new Transformed(x.matMul(rotation), logDet, LogDetMode.EXACT);
  }

  @Override
  public NDArray inverse(NDArray z) {
    return z.matMul(rotation.transpose());
  }

  /** Row-major values of a random orthogonal (d, d) matrix: Gram–Schmidt on Gaussian rows. */
  static float[] orthogonal(Shape shape, SplittableRandom rng) {
    int d = Math.toIntExact(shape.get(0));
    float[] g = Seeds.normal(rng, d * d);
    double[][] q = new double[d][d];
    for (int i = 0; i < d; i++) {
      for (int j = 0; j < d; j++) {
        q[i][j] = g[i * d + j];
      }
      for (int pass = 0; pass < 2; pass++) { // twice is enough for float accuracy
        for (int k = 0; k < i; k++) {
          double dot = 0;
          for (int j = 0; j < d; j++) {
            dot += q[i][j] * q[k][j];
          }
          for (int j = 0; j < d; j++) {
            q[i][j] -= dot * q[k][j];
          }
        }
      }
      double norm = 0;
      for (int j = 0; j < d; j++) {
        norm += q[i][j] * q[i][j];
      }
      norm = Math.sqrt(norm);
      for (int j = 0; j < d; j++) {
        q[i][j] /= norm;
      }
    }
    float[] values = new float[d * d];
    for (int i = 0; i < d; i++) {
      for (int j = 0; j < d; j++) {
        values[i * d + j] = (float) q[i][j];
      }
    }
    return values;
  }
}
