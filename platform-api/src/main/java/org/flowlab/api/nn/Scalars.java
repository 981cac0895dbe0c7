package org.flowlab.api.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Multiplication by a Java constant that is safe to differentiate through.
 *
 * <p>Why: DJL's {@code NDArray.mul(Number)} (and {@code div(Number)}) wraps the constant in a
 * tensor backed by a Java direct buffer and closes it right after the op. PyTorch's autograd keeps
 * that tensor for the backward pass ({@code ∂(a·c)/∂a = c}), so backward can read freed memory:
 * measured here as random gradient spikes (1e4 to 1e31, or infinite) that differ between identical
 * runs. {@link #mul} and {@link #div} build the constant with {@code full}, whose storage PyTorch
 * owns, so the graph's reference keeps it valid. An ArchUnit rule ({@code
 * org.flowlab.api.testkit.PluginArchitecture#SCALAR_OPERANDS}) keeps {@code mul/div/pow(Number)}
 * out of every module.
 */
public final class Scalars {
  private Scalars() {}

  /** {@code x · c}, with c held in native memory (safe in autograd graphs). */
  public static NDArray mul(NDArray x, double c) {
    return x.mul(constant(x, c));
  }

  /** {@code x / c}, with c held in native memory (safe in autograd graphs). */
  public static NDArray div(NDArray x, double c) {
    return x.div(constant(x, c));
  }

  /** {@code x^c}, with c held in native memory (safe in autograd graphs). */
  public static NDArray pow(NDArray x, double c) {
    return x.pow(constant(x, c));
  }

  /** {@code max(x, c)} elementwise, with c held in native memory (safe in autograd graphs). */
  public static NDArray maximum(NDArray x, double c) {
    return x.maximum(constant(x, c));
  }

  /** {@code min(x, c)} elementwise, with c held in native memory (safe in autograd graphs). */
  public static NDArray minimum(NDArray x, double c) {
    return x.minimum(constant(x, c));
  }

  /** A 0-dimensional tensor holding c, of x's type and device, in storage PyTorch owns. */
  private static NDArray constant(NDArray x, double c) {
    return x.getManager().full(new Shape(), (float) c, x.getDataType());
  }
}
