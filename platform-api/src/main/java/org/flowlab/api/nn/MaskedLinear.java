package org.flowlab.api.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.flowlab.api.ops.TensorOps;

/**
 * Affine map {@code x·(W⊙M)ᵀ + b} on the last axis with a fixed 0/1 mask {@code M}, shape (out,
 * in): output {@code o} sees input {@code i} only where {@code M[o][i] = 1}. The building block of
 * {@link Made}. The mask is a buffer (saved with the checkpoint, never trained); masked weights get
 * zero gradient. The mask product is float32; the affine map computes in its scope's {@link
 * Autocast} type and returns float32.
 */
public final class MaskedLinear implements DefinedLayer {
  private final NDArray weight;
  private final NDArray mask;
  private final NDArray bias;
  private final EagerOps eager;

  /**
   * @param scope where the weight, bias and mask are registered
   * @param mask {@code mask[o][i]} true where output {@code o} may see input {@code i}; shape (out,
   *     in)
   * @param zeroInit start at zero instead of uniform on ±1/sqrt(in)
   */
  public MaskedLinear(ParameterScope scope, boolean[][] mask, boolean zeroInit) {
    int out = mask.length;
    int in = mask[0].length;
    Initializer init = zeroInit ? Initializer.ZEROS : Initializer.uniform(1.0 / Math.sqrt(in));
    this.weight = scope.trainable("weight", new Shape(out, in), init);
    this.bias = scope.trainable("bias", new Shape(out), init);
    this.mask = scope.buffer("mask", new Shape(out, in), (shape, rng) -> flatten(mask, in));
    this.eager = EagerOps.of(scope.autocast());
  }

  private static float[] flatten(boolean[][] mask, int in) {
    float[] values = new float[mask.length * in];
    for (int o = 0; o < mask.length; o++) {
      if (mask[o].length != in) {
        throw new IllegalArgumentException(
            "mask row " + o + " has " + mask[o].length + " != " + in);
      }
      for (int i = 0; i < in; i++) {
        values[o * in + i] = mask[o][i] ? 1f : 0f;
      }
    }
    return values;
  }

  @Override
  public <T> T apply(TensorOps<T> ops, T x) {
    T masked = ops.mul(ops.parameter(weight), ops.parameter(mask));
    return ops.linear(x, masked, ops.parameter(bias));
  }

  @Override
  public EagerOps eager() {
    return eager;
  }

  /** The mask, shape (out, in), 1 where a weight is used. */
  public NDArray mask() {
    return mask;
  }
}
