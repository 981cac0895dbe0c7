package org.flowlab.api.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** Affine map {@code x·Wᵀ + b} on the last axis; weight shape (out, in). */
public final class Linear implements Layer {
  private final NDArray weight;
  private final NDArray bias;

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
  }

  @Override
  public NDArray forward(NDArray x) {
    return ai.djl.nn.core.Linear.linear(x, weight, bias).singletonOrThrow(); // one fused addmm
  }

  @Override
  public Jvp jvp(NDArray x, NDArray v) {
    return new Jvp(forward(x), ai.djl.nn.core.Linear.linear(v, weight).singletonOrThrow());
  }

  /** The weight, shape (out, in). */
  public NDArray weight() {
    return weight;
  }
}
