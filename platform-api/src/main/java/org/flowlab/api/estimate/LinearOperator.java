package org.flowlab.api.estimate;

import ai.djl.ndarray.NDArray;
import org.flowlab.api.nn.Layer;

/**
 * A per-sample linear map {@code v ↦ J·v}: for a batch of tangents {@code v} (batch first, each
 * sample shaped like one event) it returns {@code J_b·v_b} for every sample b, as ordinary
 * differentiable ops.
 */
@FunctionalInterface
public interface LinearOperator {
  /** {@code J·v} per sample, shaped like {@code v}. */
  NDArray apply(NDArray v);

  /**
   * The Jacobian of {@code layer} at {@code x}, one JVP per application (the forward pass is
   * recomputed each time; layers that cache their linearisation can do better).
   */
  static LinearOperator jacobianOf(Layer layer, NDArray x) {
    return v -> layer.jvp(x, v).tangent();
  }
}
