package org.flowlab.core.data;

import java.util.SplittableRandom;

/**
 * Uniform dequantisation of 8-bit pixels at a reduced bit depth: pixel p becomes the bin {@code b =
 * p >> (8 − nBits)} of {@code nBins = 2^nBits}, and the point {@code x = (b + u) / nBins} with u ~
 * U[0, 1), so x lies in [0, 1). A density p(x) on [0, 1)^D is then a model of the discrete pixels
 * with {@code P(b) ≥ p(x)·nBins^(−D)}: see {@link #bitsPerDim}.
 *
 * @param nBits bits kept per pixel, 1..8
 */
public record Quantization(int nBits) {
  /** Checks the bit depth. */
  public Quantization {
    if (nBits < 1 || nBits > 8) {
      throw new IllegalArgumentException("n_bits must be in 1..8, got " + nBits);
    }
  }

  /** Bins per value, {@code 2^nBits}. */
  public int bins() {
    return 1 << nBits;
  }

  /** The bin of an 8-bit pixel (0..255). */
  public int bin(int pixel) {
    return (pixel & 0xff) >> (8 - nBits);
  }

  /**
   * Dequantises {@code n} pixels {@code src[srcOff ..]} into {@code dst[dstOff ..]}: {@code (bin +
   * u) / nBins} with one uniform u per value drawn in order from {@code noise}.
   */
  public void dequantize(
      byte[] src, int srcOff, float[] dst, int dstOff, int n, SplittableRandom noise) {
    int shift = 8 - nBits;
    double scale = 1.0 / bins();
    for (int i = 0; i < n; i++) {
      double v = (((src[srcOff + i] & 0xff) >> shift) + noise.nextDouble()) * scale;
      // Rounding to float may give exactly 1.0 for the top bin; keep x inside [0, 1).
      dst[dstOff + i] = Math.min((float) v, ONE_MINUS_ULP);
    }
  }

  private static final float ONE_MINUS_ULP = Math.nextDown(1.0f);

  /**
   * Bits per dimension of the discrete data from the mean negative log-density (nats) of the
   * dequantised data in [0, 1)^D: {@code (nll + D·ln nBins) / (D·ln 2)}. Any preprocessing inside
   * the flow (logit) already counts in {@code nllNats} through its log-det.
   *
   * @param nllNats mean −log p(x) in nats per point
   * @param dim D, values per point (c·h·w)
   */
  public double bitsPerDim(double nllNats, long dim) {
    return (nllNats + dim * Math.log(bins())) / (dim * Math.log(2));
  }
}
