package org.flowlab.api.flow;

import ai.djl.ndarray.NDArray;

/**
 * One invertible step of a flow. Direction: {@link #forward} maps data to latent (the normalizing
 * direction), {@link #inverse} maps latent to data.
 */
public interface Bijector {
  /**
   * Data → latent.
   *
   * @param x a batch, batch axis first
   * @param mode the requested log-det mode; a bijector with an exact log-det always returns {@code
   *     EXACT}
   * @return z and the per-sample {@code log|det ∂z/∂x|}
   */
  Transformed forward(NDArray x, LogDetMode mode);

  /** Latent → data: the inverse of {@link #forward}. */
  NDArray inverse(NDArray z);

  /**
   * Data → latent on the first training batch, for layers with data-dependent initialisation
   * (actnorm). The default is a plain forward pass.
   */
  default NDArray initialize(NDArray x) {
    return forward(x, LogDetMode.EXACT).value();
  }
}
