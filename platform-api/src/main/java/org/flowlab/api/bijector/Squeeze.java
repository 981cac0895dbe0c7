package org.flowlab.api.bijector;

import ai.djl.ndarray.types.Shape;
import org.flowlab.api.ops.Mapped;
import org.flowlab.api.ops.TensorOps;

/**
 * The space-to-channel reshuffle of multi-scale image flows (RealNVP, Glow): forward (data →
 * latent) turns each 2×2 patch of every channel into 4 channels, {@code (c, h, w) → (4c, h/2,
 * w/2)}. A permutation of the values, so its log-det is 0. Output channel {@code 4·ch + 2·i + j}
 * holds pixel {@code (2y + i, 2x + j)} of input channel ch.
 */
public final class Squeeze implements DefinedBijector {
  private final long c;
  private final long h;
  private final long w;
  private final Shape patched;
  private final Shape squeezed;
  private final Shape channelled;
  private final Shape image;

  /**
   * @param eventShape the input image shape {@code (c, h, w)}, with h and w even
   */
  public Squeeze(Shape eventShape) {
    if (eventShape.dimension() != 3 || eventShape.get(1) % 2 != 0 || eventShape.get(2) % 2 != 0) {
      throw new IllegalArgumentException(
          "squeeze needs an image shape (c, h, w) with even h and w, got " + eventShape);
    }
    this.c = eventShape.get(0);
    this.h = eventShape.get(1);
    this.w = eventShape.get(2);
    this.patched = new Shape(-1, c, h / 2, 2, w / 2, 2);
    this.squeezed = new Shape(-1, 4 * c, h / 2, w / 2);
    this.channelled = new Shape(-1, c, 2, 2, h / 2, w / 2);
    this.image = new Shape(-1, c, h, w);
  }

  /** The shape of one output: {@code (4c, h/2, w/2)}. */
  public Shape outputShape() {
    return new Shape(4 * c, h / 2, w / 2);
  }

  /** Each 2×2 patch into channels: Reshape → Transpose → Reshape; log-det 0. */
  @Override
  public <T> Mapped<T> forward(TensorOps<T> ops, T x) {
    T patches = ops.transpose(ops.reshape(x, patched), 0, 1, 3, 5, 2, 4);
    return new Mapped<>(ops.reshape(patches, squeezed), ops.zerosPerSample(x));
  }

  /** The inverse reshuffle. */
  @Override
  public <T> T inverse(TensorOps<T> ops, T z) {
    T patches = ops.transpose(ops.reshape(z, channelled), 0, 1, 4, 2, 5, 3);
    return ops.reshape(patches, image);
  }

  /**
   * Checks that a multi-scale flow with {@code scales} scales (a squeeze between consecutive ones)
   * fits an image of shape {@code (c, h, w)}: h and w divisible by 2^(scales−1), at least 2 pixels
   * left at the last scale.
   *
   * @throws org.flowlab.api.spi.FamilyBuildException under the key {@code scales}, one line naming
   *     the shape
   */
  public static void requireScales(Shape imageShape, int scales) {
    long h = imageShape.get(1);
    long w = imageShape.get(2);
    long factor = 1L << Math.min(scales - 1, 62);
    if (scales > 31 || h % factor != 0 || w % factor != 0 || (h / factor) * (w / factor) < 2) {
      throw new org.flowlab.api.spi.FamilyBuildException(
          "scales",
          scales
              + " scales squeeze the image "
              + (scales - 1)
              + " times, so its height and width must be multiples of "
              + factor
              + " leaving at least 2 pixels, got image shape "
              + imageShape
              + "; use fewer scales");
    }
  }

  /**
   * Checks that a multi-scale flow with {@code levels} levels that each squeeze (Glow, NSF) fits an
   * image of shape {@code (c, h, w)}: h and w divisible by 2^levels.
   *
   * @throws org.flowlab.api.spi.FamilyBuildException under the key {@code levels}, one line naming
   *     the shape
   */
  public static void requireLevels(Shape imageShape, int levels) {
    long scale = 1L << Math.min(levels, 62);
    if (levels > 31 || imageShape.get(1) % scale != 0 || imageShape.get(2) % scale != 0) {
      throw new org.flowlab.api.spi.FamilyBuildException(
          "levels",
          levels
              + " levels need image height and width divisible by "
              + scale
              + ", got event shape "
              + imageShape
              + " (use fewer levels)");
    }
  }
}
