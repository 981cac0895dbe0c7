package org.flowlab.api.nn;

import ai.djl.ndarray.NDArray;

/**
 * A differentiable map, optionally with a forward-mode Jacobian-vector product. DJL offers only
 * first-order reverse mode, so the log-det estimators (Hutchinson traces, power series) and
 * brute-force Jacobians in {@code org.flowlab.api.estimate} are built from {@link #jvp}: a layer
 * used inside them overrides it with ordinary differentiable ops, so reverse mode can train through
 * the estimate. A layer never used there (a coupling conditioner, say) need not.
 */
public interface Layer {
  /** {@code f(x)} for a batch {@code x} (batch first). */
  NDArray forward(NDArray x);

  /**
   * {@code f(x)} and {@code J_f(x)·v}, with {@code v} shaped like {@code x}.
   *
   * @throws UnsupportedOperationException for a layer that does not provide one (the default)
   */
  default Jvp jvp(NDArray x, NDArray v) {
    throw new UnsupportedOperationException(
        getClass().getSimpleName()
            + " has no forward-mode JVP; override Layer.jvp to use it in one");
  }
}
