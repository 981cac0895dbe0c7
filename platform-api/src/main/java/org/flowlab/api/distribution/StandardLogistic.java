package org.flowlab.api.distribution;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.flowlab.api.ops.TensorOps;

/**
 * The standard logistic distribution, NICE's prior: log p(z) = −softplus(z) − softplus(−z) per
 * element; temperature T scales samples by T.
 */
public final class StandardLogistic implements DefinedDistribution {
  /**
   * {@code −Σ (softplus(z) + softplus(−z))} per sample, written once: the eager log-density and the
   * exported one derive from it.
   */
  @Override
  public <T> T logProb(TensorOps<T> ops, T z) {
    return ops.neg(ops.sumAfter(ops.add(ops.softplus(z), ops.softplus(ops.neg(z))), 1));
  }

  /** {@code logistic}. */
  @Override
  public String noise() {
    return "logistic";
  }

  @Override
  public NDArray sample(
      NDManager manager, Shape eventShape, int n, double temperature, SplittableRandom rng) {
    Shape shape = new Shape(n).addAll(eventShape);
    float[] values = new float[Math.toIntExact(shape.size())];
    for (int i = 0; i < values.length; i++) {
      double u = Math.min(Math.max(rng.nextDouble(), 1e-7), 1 - 1e-7);
      values[i] = (float) (temperature * Math.log(u / (1 - u)));
    }
    return manager.create(values, shape);
  }
}
