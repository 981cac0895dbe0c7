package org.flowlab.api.onnx;

/** A layer ({@code org.flowlab.api.nn.Layer}) that writes its forward map into an ONNX graph. */
public interface OnnxLayer {
  /**
   * Emits {@code f(x)}.
   *
   * @param graph the graph being built
   * @param x the input, batch first
   * @return the output tensor with its per-sample shape
   */
  OnnxTensor emit(OnnxGraph graph, OnnxTensor x);

  /** Emits {@code layer} if it implements this contract, else fails naming it. */
  static OnnxTensor emit(Object layer, OnnxGraph graph, OnnxTensor x) {
    if (layer instanceof OnnxLayer exportable) {
      return exportable.emit(graph, x);
    }
    throw OnnxExportException.notExportable(layer, OnnxLayer.class);
  }
}
