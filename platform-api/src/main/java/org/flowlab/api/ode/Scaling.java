package org.flowlab.api.ode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Multiplication by a Java constant that is safe to differentiate through.
 *
 * <p>Why: DJL's {@code NDArray.mul(Number)} (and {@code div(Number)}) wraps the constant in a
 * tensor backed by a Java direct buffer and closes it right after the op. PyTorch's autograd keeps
 * that tensor for the backward pass ({@code ∂(a·c)/∂a = c}), so backward can read freed memory:
 * measured here as random gradient spikes (1e4 to 1e31, or infinite) that differ between identical
 * runs. {@link #times} builds the constant with {@code full}, whose storage PyTorch owns, so the
 * graph's reference keeps it valid.
 */
public final class Scaling {
  private Scaling() {}

  /** {@code x · c}, with c held in native memory (safe in autograd graphs). */
  public static NDArray times(NDArray x, double c) {
    return x.mul(x.getManager().full(new Shape(), (float) c, x.getDataType()));
  }
}
