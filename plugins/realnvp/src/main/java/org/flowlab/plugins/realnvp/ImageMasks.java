package org.flowlab.plugins.realnvp;

/**
 * The two masks of the RealNVP image couplings, with 1 for the values a coupling keeps: a
 * checkerboard as a row-major {@code (c, h, w)} array, a channel split as one value per channel.
 */
final class ImageMasks {
  private ImageMasks() {}

  /**
   * A checkerboard over pixels, the same in every channel: keeps pixel {@code (i, j)} when {@code i
   * + j} is odd, or when it is even if {@code flipped}.
   */
  static float[] checkerboard(int c, int h, int w, boolean flipped) {
    float[] mask = new float[c * h * w];
    for (int ch = 0; ch < c; ch++) {
      for (int i = 0; i < h; i++) {
        for (int j = 0; j < w; j++) {
          boolean keep = ((i + j) % 2 == 1) != flipped;
          mask[(ch * h + i) * w + j] = keep ? 1f : 0f;
        }
      }
    }
    return mask;
  }

  /**
   * A split of the channels, one value per channel: keeps the first ⌊c/2⌋ channels, or the others
   * if {@code flipped}. Needs c ≥ 2.
   */
  static float[] channels(int c, boolean flipped) {
    float[] keep = new float[c];
    for (int ch = 0; ch < c; ch++) {
      keep[ch] = (ch < c / 2) != flipped ? 1f : 0f;
    }
    return keep;
  }

  /** The first channel of {@code mask}: {@code h·w} values. */
  static float[] firstChannel(float[] mask, int h, int w) {
    float[] first = new float[h * w];
    System.arraycopy(mask, 0, first, 0, h * w);
    return first;
  }

  /** {@code h·w} ones. */
  static float[] ones(int h, int w) {
    float[] ones = new float[h * w];
    java.util.Arrays.fill(ones, 1f);
    return ones;
  }
}
