package org.flowlab.api.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.flowlab.api.ops.TensorOps;

/**
 * Affine map {@code x·Wᵀ + b} on the last axis; weight shape (out, in). Computes in its scope's
 * {@link Autocast} type and returns float32.
 */
public final class Linear implements DefinedLayer {
  private final NDArray weight;
  private final NDArray bias;
  private final EagerOps eager;

  /**
   * @param scope where the weight and bias are registered
   * @param in input features
   * @param out output features
   * @param zeroInit start at zero (the last layer of a conditioner) instead of PyTorch's default,
   *     uniform on ±1/sqrt(in)
   */
  public Linear(ParameterScope scope, int in, int out, boolean zeroInit) {
    Initializer init = zeroInit ? Initializer.ZEROS : Initializer.uniform(1.0 / Math.sqrt(in));
    this.weight = scope.trainable("weight", new Shape(out, in), init);
    this.bias = scope.trainable("bias", new Shape(out), init);
    this.eager = EagerOps.of(scope.autocast());
  }

  @Override
  public <T> T apply(TensorOps<T> ops, T x) {
    return ops.linear(x, ops.parameter(weight), ops.parameter(bias));
  }

  @Override
  public EagerOps eager() {
    return eager;
  }

  /** The weight, shape (out, in). */
  public NDArray weight() {
    return weight;
  }
}
