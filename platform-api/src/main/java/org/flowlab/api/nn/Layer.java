package org.flowlab.api.nn;

import ai.djl.ndarray.NDArray;

/**
 * A differentiable map with a forward-mode Jacobian-vector product. DJL offers only first-order
 * reverse mode, so traces, power series and brute-force Jacobians are built from {@link #jvp}; see
 * DESIGN.md.
 */
public interface Layer {
  /** {@code f(x)} for a batch {@code x} (batch first). */
  NDArray forward(NDArray x);

  /** {@code f(x)} and {@code J_f(x)·v}, with {@code v} shaped like {@code x}. */
  Jvp jvp(NDArray x, NDArray v);
}
