package org.flowlab.api.distribution;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.flowlab.api.random.Seeds;

/** The standard normal N(0, I); temperature T gives N(0, T²I). */
public final class StandardNormal implements BaseDistribution {
  private static final double HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

  @Override
  public NDArray logProb(NDArray z) {
    return BaseDistribution.sumEvent(z.square().mul(-0.5).sub(HALF_LOG_2PI));
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
