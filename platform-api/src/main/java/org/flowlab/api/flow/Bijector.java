package org.flowlab.api.flow;

import ai.djl.ndarray.NDArray;

/**
 * One invertible step of a flow. Direction: {@link #forward} maps data to latent (the normalizing
 * direction), {@link #inverse} maps latent to data, and {@link #sampleForward} maps latent to data
 * with its log-det (the sampling direction). A bijector with no closed-form inverse (planar,
 * radial) overrides {@link #sampleForward} and throws {@link UnsupportedOperationException} from
 * {@link #forward} and {@link #inverse}.
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
   * Latent → data with the per-sample {@code log|det ∂x/∂z|}: the sampling direction, as
   * variational inference needs it ({@code log q(x) = log q₀(z) − log|det ∂x/∂z|}). The default
   * runs {@link #inverse}, then {@link #forward}'s exact log-det at the result, negated: correct
   * for every bijector that has both.
   *
   * @param z a latent batch, batch axis first
   * @return x and the per-sample {@code log|det ∂x/∂z|}
   */
  default Transformed sampleForward(NDArray z) {
    NDArray x = inverse(z);
    Transformed back = forward(x, LogDetMode.EXACT);
    return new Transformed(x, back.logDet().neg(), back.mode());
  }

  /**
   * Data → latent on the first training batch, for layers with data-dependent initialisation
   * (actnorm). The default is a plain forward pass.
   */
  default NDArray initialize(NDArray x) {
    return forward(x, LogDetMode.EXACT).value();
  }
}
