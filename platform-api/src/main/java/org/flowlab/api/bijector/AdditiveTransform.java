package org.flowlab.api.bijector;

import ai.djl.ndarray.types.Shape;
import org.flowlab.api.ops.Mapped;
import org.flowlab.api.ops.TensorOps;

/**
 * The elementwise shift {@code y = x + m} with one parameter per element (P = 1), NICE's additive
 * coupling law: volume-preserving, its log-derivative is 0. Inverse {@code x = y − m}.
 */
public final class AdditiveTransform implements ElementwiseTransform {
  /** The one shift transform (it has no settings). */
  public static final AdditiveTransform SHIFT = new AdditiveTransform();

  private AdditiveTransform() {}

  @Override
  public int paramsPerElement() {
    return 1;
  }

  /** {@code x + m}; the log-derivative, 0, shaped like x. */
  @Override
  public <T> Mapped<T> forward(TensorOps<T> ops, T x, T params) {
    return new Mapped<>(ops.add(x, shift(ops, params)), ops.mulScalar(x, 0));
  }

  @Override
  public <T> Mapped<T> inverse(TensorOps<T> ops, T y, T params) {
    return new Mapped<>(ops.sub(y, shift(ops, params)), ops.mulScalar(y, 0));
  }

  /** The stacked params are the shift itself: no split, and a per-sample log-det of zeros. */
  @Override
  public <T> Mapped<T> forwardStacked(TensorOps<T> ops, T x, T stacked, Shape changedShape) {
    return new Mapped<>(ops.add(x, stacked), ops.zerosPerSample(x));
  }

  @Override
  public <T> T inverseStacked(TensorOps<T> ops, T y, T stacked, Shape changedShape) {
    return ops.sub(y, stacked);
  }

  private static <T> T shift(TensorOps<T> ops, T params) {
    return ops.blocks(params, 1, 1).get(0);
  }
}
