package org.flowlab.core.data;

import java.util.SplittableRandom;

/**
 * The points of one split, row-major {@code count × dim}: continuous values as floats, or image
 * pixels as unsigned bytes (one byte per value, a quarter of the memory) that {@link Quantization}
 * dequantises when a batch is built.
 */
public final class Points {
  private final float[] floats;
  private final byte[] pixels;
  private final int dim;
  private final int count;

  private Points(float[] floats, byte[] pixels, int dim) {
    if (dim < 1) {
      throw new IllegalArgumentException("dim must be >= 1, got " + dim);
    }
    int length = floats != null ? floats.length : pixels.length;
    if (length % dim != 0) {
      throw new IllegalArgumentException(length + " values are not a whole number of " + dim);
    }
    this.floats = floats;
    this.pixels = pixels;
    this.dim = dim;
    this.count = length / dim;
  }

  /** Continuous points, {@code values.length / dim} of them (the array is not copied). */
  public static Points of(float[] values, int dim) {
    return new Points(values, null, dim);
  }

  /** Image points, one unsigned byte (0..255) per value (the array is not copied). */
  public static Points pixels(byte[] values, int dim) {
    return new Points(null, values, dim);
  }

  /** How many points. */
  public int count() {
    return count;
  }

  /** Values per point. */
  public int dim() {
    return dim;
  }

  /** Whether the points are 8-bit pixels (dequantised on use) rather than floats. */
  public boolean quantized() {
    return pixels != null;
  }

  /**
   * The float values themselves, row-major.
   *
   * @throws IllegalStateException for pixel points (use {@link #copyRange} with a quantization)
   */
  public float[] floats() {
    if (floats == null) {
      throw new IllegalStateException("pixel data has no float values before dequantisation");
    }
    return floats;
  }

  /**
   * The raw pixel bytes, row-major.
   *
   * @throws IllegalStateException for continuous points
   */
  public byte[] pixels() {
    if (pixels == null) {
      throw new IllegalStateException("continuous data has no pixels");
    }
    return pixels;
  }

  /** The first {@code n} points (all when {@code n >= count()}), sharing nothing with this. */
  public Points head(int n) {
    int keep = Math.min(n, count) * dim;
    return floats != null
        ? of(java.util.Arrays.copyOf(floats, keep), dim)
        : pixels(java.util.Arrays.copyOf(pixels, keep), dim);
  }

  /**
   * Writes points {@code start .. start+n} into {@code out[0 .. n·dim)}: floats as they are, pixels
   * dequantised by {@code q} with noise from {@code noise} (drawn in order, one per value).
   */
  public void copyRange(int start, int n, float[] out, Quantization q, SplittableRandom noise) {
    if (floats != null) {
      System.arraycopy(floats, start * dim, out, 0, n * dim);
    } else {
      q.dequantize(pixels, start * dim, out, 0, n * dim, noise);
    }
  }

  /**
   * Writes the points {@code rows[from .. from+n)} into {@code out[0 .. n·dim)}, in that order;
   * pixels are dequantised as in {@link #copyRange}.
   */
  public void copyRows(
      int[] rows, int from, int n, float[] out, Quantization q, SplittableRandom noise) {
    for (int i = 0; i < n; i++) {
      int row = rows[from + i];
      if (floats != null) {
        System.arraycopy(floats, row * dim, out, i * dim, dim);
      } else {
        q.dequantize(pixels, row * dim, out, i * dim, dim, noise);
      }
    }
  }
}
