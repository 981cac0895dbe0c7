package org.flowlab.plugins.nice;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.flowlab.api.bijector.DefinedBijector;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.ops.Mapped;
import org.flowlab.api.ops.TensorOps;

/**
 * NICE's final diagonal scaling layer on vectors (d): forward (data → latent) {@code z = x ⊙
 * exp(s)}, log-det {@code Σ s} (the same for every sample); inverse {@code x = z ⊙ exp(−s)}. The
 * log-scale s (parameter {@code log_scale}, shape (d)) starts at 0. It is the only layer of the
 * flow that changes volume.
 */
final class DiagonalScaling implements DefinedBijector {
  private final NDArray logScale;

  /**
   * @param scope where {@code log_scale} is registered
   * @param d the vector dimension
   */
  DiagonalScaling(ParameterScope scope, int d) {
    this.logScale = scope.trainable("log_scale", new Shape(d), Initializer.ZEROS);
  }

  @Override
  public <T> Mapped<T> forward(TensorOps<T> ops, T x) {
    T s = ops.parameter(logScale);
    T logDet = ops.add(ops.zerosPerSample(x), ops.sumAfter(s, 0));
    return new Mapped<>(ops.mul(x, ops.exp(s)), logDet);
  }

  @Override
  public <T> T inverse(TensorOps<T> ops, T z) {
    return ops.mul(z, ops.exp(ops.neg(ops.parameter(logScale))));
  }
}
