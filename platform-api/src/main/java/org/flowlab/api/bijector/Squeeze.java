package org.flowlab.api.bijector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.onnx.OnnxBijector;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxTensor;
import org.flowlab.api.onnx.OnnxTransformed;

/**
 * The space-to-channel reshuffle of multi-scale image flows (RealNVP, Glow): forward (data →
 * latent) turns each 2×2 patch of every channel into 4 channels, {@code (c, h, w) → (4c, h/2,
 * w/2)}. A permutation of the values, so its log-det is 0. Output channel {@code 4·ch + 2·i + j}
 * holds pixel {@code (2y + i, 2x + j)} of input channel ch.
 */
public final class Squeeze implements Bijector, OnnxBijector {
  private final long c;
  private final long h;
  private final long w;

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
  }

  /** The shape of one output: {@code (4c, h/2, w/2)}. */
  public Shape outputShape() {
    return new Shape(4 * c, h / 2, w / 2);
  }

  @Override
  public Transformed forward(NDArray x, LogDetMode mode) {
    long n = x.getShape().get(0);
    NDArray z =
        x.reshape(n, c, h / 2, 2, w / 2, 2)
            .transpose(0, 1, 3, 5, 2, 4)
            .reshape(n, 4 * c, h / 2, w / 2);
    return new Transformed(
        z, x.getManager().zeros(new Shape(n), x.getDataType()), LogDetMode.EXACT);
  }

  /** Emits the reshuffle as Reshape → Transpose → Reshape; log-det 0. */
  @Override
  public OnnxTransformed emitForward(OnnxGraph graph, OnnxTensor x) {
    String r = graph.reshape(x.name(), -1, c, h / 2, 2, w / 2, 2);
    String t = graph.transpose(r, 0, 1, 3, 5, 2, 4);
    String z = graph.reshape(t, -1, 4 * c, h / 2, w / 2);
    return new OnnxTransformed(new OnnxTensor(z, outputShape()), graph.zerosPerSample(x));
  }

  /** Emits the inverse reshuffle. */
  @Override
  public OnnxTensor emitInverse(OnnxGraph graph, OnnxTensor z) {
    String r = graph.reshape(z.name(), -1, c, 2, 2, h / 2, w / 2);
    String t = graph.transpose(r, 0, 1, 4, 2, 5, 3);
    return new OnnxTensor(graph.reshape(t, -1, c, h, w), new Shape(c, h, w));
  }

  @Override
  public NDArray inverse(NDArray z) {
    long n = z.getShape().get(0);
    return z.reshape(n, c, 2, 2, h / 2, w / 2).transpose(0, 1, 4, 2, 5, 3).reshape(n, c, h, w);
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
}
