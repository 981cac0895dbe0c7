package org.flowlab.api.random;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Counter-based random streams: every random draw in Flowlab comes from a stream named by (seed,
 * purpose, counter), so a run's randomness is a pure function of its seed and step. Nothing needs
 * saving for a resumed run to draw exactly what an uninterrupted one would have drawn.
 */
public final class Seeds {
  private Seeds() {}

  /**
   * A generator for one purpose (e.g. "init/coupling.0.weight", "shuffle") at one counter value.
   */
  public static SplittableRandom stream(long seed, String purpose, long counter) {
    long h = mix(seed ^ 0x9E3779B97F4A7C15L);
    for (byte b : purpose.getBytes(StandardCharsets.UTF_8)) {
      h = mix(h ^ b);
    }
    return new SplittableRandom(mix(h ^ mix(counter + 0x632BE59BD9B4E019L)));
  }

  /** A generator for one purpose with no counter. */
  public static SplittableRandom stream(long seed, String purpose) {
    return stream(seed, purpose, 0L);
  }

  /** Fills an array with standard normal draws (Box–Muller on the given generator). */
  public static float[] normal(SplittableRandom rng, int n) {
    float[] out = new float[n];
    for (int i = 0; i < n; i += 2) {
      double u1 = 1.0 - rng.nextDouble();
      double u2 = rng.nextDouble();
      double r = Math.sqrt(-2.0 * Math.log(u1));
      out[i] = (float) (r * Math.cos(2 * Math.PI * u2));
      if (i + 1 < n) {
        out[i + 1] = (float) (r * Math.sin(2 * Math.PI * u2));
      }
    }
    return out;
  }

  /** Fills an array with uniform draws on [0, 1). */
  public static float[] uniform(SplittableRandom rng, int n) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) rng.nextDouble();
    }
    return out;
  }

  /**
   * A uniformly random order of 0..n−1: a Fisher–Yates shuffle of the identity on the generator.
   */
  public static int[] permutation(SplittableRandom rng, int n) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int swap = order[i];
      order[i] = order[j];
      order[j] = swap;
    }
    return order;
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
