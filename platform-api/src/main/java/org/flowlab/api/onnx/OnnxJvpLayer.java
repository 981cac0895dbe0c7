package org.flowlab.api.onnx;

/**
 * A layer that writes its forward-mode derivative into an ONNX graph, the exported counterpart of
 * {@code org.flowlab.api.nn.Layer#jvp}: exported estimators and exact Jacobians (residual blocks,
 * CNF traces) are built from it, as they are on the JVM.
 *
 * <p>Tangents come {@code k} per sample: for an input {@code x} of per-sample shape {@code S}, the
 * tangents have per-sample shape {@code (k, S...)} and the result's tangents {@code (k, S'...)},
 * where {@code S'} is the output's shape. With the {@code k = d} unit vectors this gives the full
 * Jacobian in one pass.
 */
public interface OnnxJvpLayer {
  /**
   * Emits {@code f(x)} and {@code J_f(x)·v} for each of the {@code k} tangents of every sample.
   *
   * @param graph the graph being built
   * @param x the input, batch first
   * @param tangents the tangents, per-sample shape {@code (k, x's event shape...)}
   */
  OnnxJvp emitJvp(OnnxGraph graph, OnnxTensor x, OnnxTensor tangents);

  /** Emits {@code layer}'s JVP if it implements this contract, else fails naming it. */
  static OnnxJvp emitJvp(Object layer, OnnxGraph graph, OnnxTensor x, OnnxTensor tangents) {
    if (layer instanceof OnnxJvpLayer exportable) {
      return exportable.emitJvp(graph, x, tangents);
    }
    throw OnnxExportException.notExportable(layer, OnnxJvpLayer.class);
  }
}
