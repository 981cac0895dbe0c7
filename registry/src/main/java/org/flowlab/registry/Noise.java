package org.flowlab.registry;

import java.util.SplittableRandom;
import org.flowlab.api.random.Seeds;

/**
 * Standard draws (temperature 1) for a {@code sample} model's latent input, the same draws the JVM
 * base distributions make from a generator: {@code normal} by {@link Seeds#normal}, {@code
 * logistic} as {@code log(u/(1−u))} with u clamped to [1e-7, 1 − 1e-7].
 */
public final class Noise {
  private Noise() {}

  /** The generator {@code flowlab sample --seed S} draws from. */
  public static SplittableRandom stream(long seed) {
    return Seeds.stream(seed, "registry/sample");
  }

  /** {@code count} standard draws of {@code kind}. */
  public static float[] draw(String kind, SplittableRandom rng, int count) {
    return switch (kind) {
      case "normal" -> Seeds.normal(rng, count);
      case "logistic" -> {
        float[] v = new float[count];
        for (int i = 0; i < count; i++) {
          double u = Math.min(Math.max(rng.nextDouble(), 1e-7), 1 - 1e-7);
          v[i] = (float) Math.log(u / (1 - u));
        }
        yield v;
      }
      default -> throw new IllegalArgumentException("unknown noise " + kind);
    };
  }
}
