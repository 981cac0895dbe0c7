package org.flowlab.api.distribution;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.flowlab.api.ops.TensorOps;
import org.flowlab.api.random.Seeds;

/** The standard normal N(0, I); temperature T gives N(0, T²I). */
public final class StandardNormal implements DefinedDistribution {
  private static final double HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

  /**
   * {@code Σ (−z²/2 − log(2π)/2)} per sample, written once: the eager log-density and the exported
   * one derive from it.
   */
  @Override
  public <T> T logProb(TensorOps<T> ops, T z) {
    return ops.sumAfter(ops.addScalar(ops.mulScalar(ops.mul(z, z), -0.5), -HALF_LOG_2PI), 1);
  }

  /** {@code normal}. */
  @Override
  public String noise() {
    return "normal";
  }

  @Override
  public NDArray sample(
      NDManager manager, Shape eventShape, int n, double temperature, SplittableRandom rng) {
    Shape shape = new Shape(n).addAll(eventShape);
    float[] values = Seeds.normal(rng, Math.toIntExact(shape.size()));
    for (int i = 0; i < values.length; i++) {
      values[i] *= (float) temperature;
    }
    return manager.create(values, shape);
  }
}
