package org.flowlab.api.onnx;

/**
 * A bijector ({@code org.flowlab.api.flow.Bijector}) that writes both of its directions into an
 * ONNX graph. The emitted ops must compute what the JVM {@code forward}/{@code inverse} compute
 * (same formulas, float32), so that an export passes its parity check: 1e-3 on log p, 1e-4 on
 * samples. Parameters enter as initializers ({@link OnnxGraph#initializer}).
 *
 * <p>A conditional bijector overrides the context-taking overloads; their defaults emit the plain
 * maps when the context is null and refuse a context otherwise.
 */
public interface OnnxBijector {
  /**
   * Emits the forward map, data → latent, and its per-sample log-det.
   *
   * @param graph the graph being built
   * @param x the input, batch first, with its per-sample shape
   * @return z (with its per-sample shape) and the name of {@code log|det ∂z/∂x|}, shape {@code (N)}
   */
  OnnxTransformed emitForward(OnnxGraph graph, OnnxTensor x);

  /**
   * Emits the inverse map, latent → data.
   *
   * @param graph the graph being built
   * @param z the latent input, batch first, with its per-sample shape
   * @return x with its per-sample shape
   */
  OnnxTensor emitInverse(OnnxGraph graph, OnnxTensor z);

  /**
   * Emits the forward map given a context: {@link #emitForward(OnnxGraph, OnnxTensor)} when {@code
   * context} is null.
   *
   * @param context the context input, shape {@code (N, contextDim)}, or null
   * @throws OnnxExportException when a context is given to a bijector that reads none
   */
  default OnnxTransformed emitForward(OnnxGraph graph, OnnxTensor x, OnnxTensor context) {
    refuseUnless(context == null);
    return emitForward(graph, x);
  }

  /** Emits the inverse map given a context: {@link #emitInverse(OnnxGraph, OnnxTensor)} if null. */
  default OnnxTensor emitInverse(OnnxGraph graph, OnnxTensor z, OnnxTensor context) {
    refuseUnless(context == null);
    return emitInverse(graph, z);
  }

  /**
   * Emits the sampling direction, latent → data, with its per-sample {@code log|det ∂x/∂z|} given a
   * context (null: none): what the sampler export of a flow with the sampling direction only
   * records ({@code Flow.toOnnxSampler}). Such a bijector (planar, radial, Sylvester) overrides it;
   * the default refuses, as a flow with the density direction exports {@code log_prob} and {@code
   * sample} instead.
   *
   * @return x with its per-sample shape and the name of {@code log|det ∂x/∂z|}, shape {@code (N)}
   * @throws OnnxExportException by default
   */
  default OnnxTransformed emitSampleForward(OnnxGraph graph, OnnxTensor z, OnnxTensor context) {
    throw new OnnxExportException(
        getClass().getSimpleName()
            + " has no sampler emission (a flow with the density direction exports log_prob and"
            + " sample)");
  }

  private void refuseUnless(boolean ok) {
    if (!ok) {
      throw new OnnxExportException(getClass().getSimpleName() + " takes no context");
    }
  }

  /** Emits {@code bijector}'s forward map given a context (null: none), else fails naming it. */
  static OnnxTransformed forward(
      Object bijector, OnnxGraph graph, OnnxTensor x, OnnxTensor context) {
    return of(bijector).emitForward(graph, x, context);
  }

  /** Emits {@code bijector}'s inverse map given a context (null: none), else fails naming it. */
  static OnnxTensor inverse(Object bijector, OnnxGraph graph, OnnxTensor z, OnnxTensor context) {
    return of(bijector).emitInverse(graph, z, context);
  }

  /** Emits {@code bijector}'s forward map if it implements this contract, else fails naming it. */
  static OnnxTransformed forward(Object bijector, OnnxGraph graph, OnnxTensor x) {
    return of(bijector).emitForward(graph, x);
  }

  /** Emits {@code bijector}'s inverse map if it implements this contract, else fails naming it. */
  static OnnxTensor inverse(Object bijector, OnnxGraph graph, OnnxTensor z) {
    return of(bijector).emitInverse(graph, z);
  }

  /**
   * Emits {@code bijector}'s sampling direction with its log-det given a context (null: none), else
   * fails naming it.
   */
  static OnnxTransformed sampleForward(
      Object bijector, OnnxGraph graph, OnnxTensor z, OnnxTensor context) {
    return of(bijector).emitSampleForward(graph, z, context);
  }

  private static OnnxBijector of(Object bijector) {
    if (bijector instanceof OnnxBijector exportable) {
      return exportable;
    }
    throw OnnxExportException.notExportable(bijector, OnnxBijector.class);
  }
}
