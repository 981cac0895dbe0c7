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

  private static OnnxBijector of(Object bijector) {
    if (bijector instanceof OnnxBijector exportable) {
      return exportable;
    }
    throw OnnxExportException.notExportable(bijector, OnnxBijector.class);
  }
}
