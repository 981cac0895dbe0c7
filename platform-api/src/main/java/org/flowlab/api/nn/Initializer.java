package org.flowlab.api.nn;

import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.flowlab.api.random.Seeds;

/** Fills a new parameter's values from a seeded generator. */
@FunctionalInterface
public interface Initializer {
  /** Values for a tensor of {@code shape}, in row-major order. */
  float[] values(Shape shape, SplittableRandom rng);

  /** All zeros: the last layer of every conditioner, so each flow step starts as the identity. */
  Initializer ZEROS = (shape, rng) -> new float[Math.toIntExact(shape.size())];

  /** All ones. */
  Initializer ONES = constant(1f);

  /** Every value equal to {@code c}. */
  static Initializer constant(float c) {
    return (shape, rng) -> {
      float[] v = new float[Math.toIntExact(shape.size())];
      java.util.Arrays.fill(v, c);
      return v;
    };
  }

  /** Uniform on [-bound, bound]. */
  static Initializer uniform(double bound) {
    return (shape, rng) -> {
      float[] v = new float[Math.toIntExact(shape.size())];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) ((2 * rng.nextDouble() - 1) * bound);
      }
      return v;
    };
  }

  /** Normal with the given standard deviation. */
  static Initializer normal(double std) {
    return (shape, rng) -> {
      float[] v = Seeds.normal(rng, Math.toIntExact(shape.size()));
      for (int i = 0; i < v.length; i++) {
        v[i] *= (float) std;
      }
      return v;
    };
  }
}
