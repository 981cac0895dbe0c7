package org.flowlab.api.random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.ParameterScope;
import org.junit.jupiter.api.Test;

class SeedsTest {
  private static long[] draws(long seed, String purpose, long counter) {
    var rng = Seeds.stream(seed, purpose, counter);
    return new long[] {rng.nextLong(), rng.nextLong(), rng.nextLong()};
  }

  @Test
  void aStreamIsAPureFunctionOfSeedPurposeAndCounter() {
    assertArrayEquals(draws(42, "shuffle", 7), draws(42, "shuffle", 7));
    assertArrayEquals(draws(42, "shuffle", 0), Seeds.stream(42, "shuffle").longs(3).toArray());
    assertFalse(Arrays.equals(draws(42, "shuffle", 7), draws(43, "shuffle", 7)));
    assertFalse(Arrays.equals(draws(42, "shuffle", 7), draws(42, "shuffle", 8)));
    assertFalse(Arrays.equals(draws(42, "shuffle", 7), draws(42, "noise", 7)));
    assertFalse(Arrays.equals(draws(0, "", 0), draws(0, "a", 0)));
  }

  @Test
  void normalDrawsHaveStandardMomentsAndShape() {
    int n = 200_001; // odd: the last draw must be filled too
    float[] x = Seeds.normal(Seeds.stream(1, "normal"), n);
    double mean = 0;
    double sq = 0;
    int within1 = 0;
    for (float v : x) {
      mean += v;
      sq += v * v;
      within1 += Math.abs(v) < 1 ? 1 : 0;
    }
    mean /= n;
    double var = sq / n - mean * mean;
    assertEquals(0, mean, 5 / Math.sqrt(n));
    assertEquals(1, var, 5 * Math.sqrt(2.0 / n));
    assertEquals(0.6827, within1 / (double) n, 0.005, "P(|X| < 1) of a standard normal");
    assertNotEquals(0f, x[n - 1]);
  }

  @Test
  void uniformDrawsLieInTheUnitInterval() {
    int n = 100_000;
    float[] u = Seeds.uniform(Seeds.stream(1, "uniform"), n);
    double mean = 0;
    int below = 0;
    for (float v : u) {
      assertTrue(v >= 0 && v < 1);
      mean += v;
      below += v < 0.25 ? 1 : 0;
    }
    assertEquals(0.5, mean / n, 5 * Math.sqrt(1.0 / 12 / n));
    assertEquals(0.25, below / (double) n, 0.01);
  }

  @Test
  void parameterInitDependsOnlyOnSeedAndName() {
    try (NDManager m = NDManager.newBaseManager()) {
      ParameterScope a = ParameterScope.root(m, 9);
      a.trainable("first", new Shape(4), Initializer.normal(1));
      float[] b1 =
          a.child("layer").trainable("w", new Shape(3, 2), Initializer.normal(1)).toFloatArray();
      // another scope without "first": the same name draws the same values
      float[] b2 =
          ParameterScope.root(m, 9)
              .child("layer")
              .trainable("w", new Shape(3, 2), Initializer.normal(1))
              .toFloatArray();
      float[] other =
          ParameterScope.root(m, 10)
              .child("layer")
              .trainable("w", new Shape(3, 2), Initializer.normal(1))
              .toFloatArray();
      assertArrayEquals(b1, b2);
      assertFalse(Arrays.equals(b1, other));
      assertEquals("layer.w", a.parameters().get(1).name());
    }
  }
}
