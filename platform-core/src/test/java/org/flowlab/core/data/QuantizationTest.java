package org.flowlab.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class QuantizationTest {

  @ParameterizedTest
  @ValueSource(ints = {1, 3, 5, 8})
  void dequantisedValuesFallInTheirPixelsBin(int nBits) {
    Quantization q = new Quantization(nBits);
    byte[] pixels = new byte[256];
    for (int p = 0; p < 256; p++) {
      pixels[p] = (byte) p;
    }
    float[] x = new float[256];
    for (int rep = 0; rep < 50; rep++) {
      q.dequantize(pixels, 0, x, 0, 256, new SplittableRandom(rep));
      for (int p = 0; p < 256; p++) {
        assertTrue(x[p] >= 0 && x[p] < 1, "x = " + x[p]);
        int bin = p >> (8 - nBits);
        assertEquals(bin, (int) Math.floor(x[p] * q.bins()), "pixel " + p + " -> " + x[p]);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 5, 8})
  void aUniformDensityOnTheUnitCubeScoresExactlyNBitsPerDim(int nBits) {
    // p(x) = 1 on [0,1)^D: NLL = 0, and the discrete data needs n_bits per value.
    Quantization q = new Quantization(nBits);
    assertEquals(nBits, q.bitsPerDim(0.0, 784), 1e-12);
    // A density twice as high on half the cube saves one bit in all: 1/D bit per dimension.
    assertEquals(nBits - 1.0 / 12, q.bitsPerDim(-Math.log(2), 12), 1e-12);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 9})
  void bitDepthOutsideOneToEightIsRejected(int nBits) {
    assertThrows(IllegalArgumentException.class, () -> new Quantization(nBits));
  }
}
