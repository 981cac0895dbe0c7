package org.flowlab.api.flow;

import ai.djl.ndarray.NDArray;

/**
 * One invertible step of a flow. Direction: {@link #forward} maps data to latent (the normalizing
 * direction), {@link #inverse} maps latent to data, and {@link #sampleForward} maps latent to data
 * with its log-det (the sampling direction). A bijector given latent → data only, with no
 * closed-form map back (planar, radial, Sylvester), overrides {@link #sampleForward}, computes
 * {@link #inverse} as that map, and throws {@link UnsupportedOperationException} from {@link
 * #forward}.
 *
 * <p>Conditional flows: a bijector whose conditioner reads a context vector {@code c} (shape {@code
 * (batch, contextDim)}) reports {@link #contextDim()} &gt; 0 and overrides the context-taking
 * overloads; the plain methods are the same maps without a context. The overloads' defaults run the
 * plain methods when the context is null and refuse a context otherwise ({@link Contexts}).
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

  /**
   * Features of the context this bijector's conditioner reads, 0 (the default) for an unconditional
   * bijector. A {@link Chain} hands its context only to members with a positive context size.
   */
  default int contextDim() {
    return 0;
  }

  /**
   * Data → latent given a context: {@link #forward(NDArray, LogDetMode)} when {@code context} is
   * null; a bijector without a conditioner refuses a context.
   *
   * @param context shape {@code (batch, contextDim)}, or null
   */
  default Transformed forward(NDArray x, NDArray context, LogDetMode mode) {
    Contexts.refuseUnless(context == null, this);
    return forward(x, mode);
  }

  /**
   * Latent → data given a context: the inverse of {@link #forward(NDArray, NDArray, LogDetMode)}.
   */
  default NDArray inverse(NDArray z, NDArray context) {
    Contexts.refuseUnless(context == null, this);
    return inverse(z);
  }

  /**
   * {@link #sampleForward(NDArray)} given a context: with a null context the plain method;
   * otherwise {@link #inverse(NDArray, NDArray)}, then the negated exact log-det of {@link
   * #forward(NDArray, NDArray, LogDetMode)} at the result.
   */
  default Transformed sampleForward(NDArray z, NDArray context) {
    if (context == null) {
      return sampleForward(z);
    }
    NDArray x = inverse(z, context);
    Transformed back = forward(x, context, LogDetMode.EXACT);
    return new Transformed(x, back.logDet().neg(), back.mode());
  }
}
