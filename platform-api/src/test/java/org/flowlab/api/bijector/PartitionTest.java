package org.flowlab.api.bijector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.nn.EagerOps;
import org.junit.jupiter.api.Test;

class PartitionTest {
  /** Rows 0..4 and 10..14 of (2, 5): value = 10·row + feature. */
  private static final float[] X = {0, 1, 2, 3, 4, 10, 11, 12, 13, 14};

  private static void check(float[] mask, float[] kept, float[] changed) {
    try (NDManager m = NDManager.newBaseManager()) {
      Partition p = new Partition(mask, m);
      var x = m.create(X, new Shape(2, 5));
      List<NDArray> parts = p.split(EagerOps.FLOAT32, x);
      assertEquals(kept.length / 2, p.keptSize());
      assertEquals(changed.length / 2, p.changedSize());
      assertArrayEquals(kept, parts.get(0).toFloatArray(), "kept features, in order");
      assertArrayEquals(changed, parts.get(1).toFloatArray(), "changed features, in order");
      assertArrayEquals(
          X,
          p.join(EagerOps.FLOAT32, parts.get(0), parts.get(1)).toFloatArray(),
          "join undoes split");
    }
  }

  @Test
  void aPrefixMaskKeepsTheFirstFeatures() {
    check(
        new float[] {1, 1, 1, 0, 0}, new float[] {0, 1, 2, 10, 11, 12}, new float[] {3, 4, 13, 14});
  }

  @Test
  void aSuffixMaskKeepsTheLastFeatures() {
    check(
        new float[] {0, 0, 0, 1, 1}, new float[] {3, 4, 13, 14}, new float[] {0, 1, 2, 10, 11, 12});
  }

  @Test
  void aCheckerboardMaskSelectsExactly() {
    check(
        new float[] {1, 0, 1, 0, 1}, new float[] {0, 2, 4, 10, 12, 14}, new float[] {1, 3, 11, 13});
  }

  @Test
  void aMaskThatKeepsAllOrNothingIsRefused() {
    try (NDManager m = NDManager.newBaseManager()) {
      assertThrows(IllegalArgumentException.class, () -> new Partition(new float[] {1, 1}, m));
      assertThrows(IllegalArgumentException.class, () -> new Partition(new float[] {0, 0}, m));
    }
  }
}
