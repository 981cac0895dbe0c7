package org.flowlab.api.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.flowlab.api.ops.TensorOps;

/**
 * A 2D convolution with stride 1 and "same" zero padding on images {@code (n, c, h, w)}; weight
 * shape {@code (out, in, k, k)} with an odd kernel size k. Computes in its scope's {@link Autocast}
 * type and returns float32.
 */
public final class Conv2d implements DefinedLayer {
  private final NDArray weight;
  private final NDArray bias;
  private final EagerOps eager;
  private final int padding;

  /**
   * @param scope where the weight and bias are registered
   * @param in input channels
   * @param out output channels
   * @param kernel kernel size k (odd)
   * @param zeroInit start at zero (the last layer of a coupling network) instead of PyTorch's
   *     default, uniform on ±1/sqrt(in·k·k)
   */
  public Conv2d(ParameterScope scope, int in, int out, int kernel, boolean zeroInit) {
    if (kernel < 1 || kernel % 2 == 0) {
      throw new IllegalArgumentException("kernel size must be odd and positive, got " + kernel);
    }
    Initializer init =
        zeroInit ? Initializer.ZEROS : Initializer.uniform(1.0 / Math.sqrt(in * kernel * kernel));
    this.weight = scope.trainable("weight", new Shape(out, in, kernel, kernel), init);
    this.bias = scope.trainable("bias", new Shape(out), init);
    this.padding = kernel / 2;
    this.eager = EagerOps.of(scope.autocast());
  }

  @Override
  public <T> T apply(TensorOps<T> ops, T x) {
    return ops.conv2d(x, ops.parameter(weight), ops.parameter(bias), padding);
  }

  @Override
  public EagerOps eager() {
    return eager;
  }

  /** The weight, shape (out, in, k, k). */
  public NDArray weight() {
    return weight;
  }
}
