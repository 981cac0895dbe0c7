package org.flowlab.api.onnx;

/**
 * A bijector ({@code org.flowlab.api.flow.Bijector}) that writes both of its directions into an
 * ONNX graph. The emitted ops must compute what the JVM {@code forward}/{@code inverse} compute
 * (same formulas, float32), so that an export passes its parity check: 1e-3 on log p, 1e-4 on
 * samples. Parameters enter as initializers ({@link OnnxGraph#initializer}).
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
