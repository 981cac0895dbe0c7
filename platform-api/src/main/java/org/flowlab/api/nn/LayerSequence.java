package org.flowlab.api.nn;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxJvp;
import org.flowlab.api.onnx.OnnxJvpLayer;
import org.flowlab.api.onnx.OnnxLayer;
import org.flowlab.api.onnx.OnnxTensor;

/**
 * Layers applied one after another: the forward pass, the JVP (the chain rule) and both ONNX
 * emissions, written once for {@link Mlp} and {@link Made}.
 */
abstract class LayerSequence implements Layer, OnnxLayer, OnnxJvpLayer {
  /** The layers in order; a subclass adds them in its constructor. */
  protected final List<Layer> layers = new ArrayList<>();

  @Override
  public NDArray forward(NDArray x) {
    for (Layer layer : layers) {
      x = layer.forward(x);
    }
    return x;
  }

  @Override
  public Jvp jvp(NDArray x, NDArray v) {
    for (Layer layer : layers) {
      Jvp step = layer.jvp(x, v);
      x = step.value();
      v = step.tangent();
    }
    return new Jvp(x, v);
  }

  /** Emits every layer in order. */
  @Override
  public OnnxTensor emit(OnnxGraph graph, OnnxTensor x) {
    for (Layer layer : layers) {
      x = OnnxLayer.emit(layer, graph, x);
    }
    return x;
  }

  /** Emits every layer's JVP in order (the chain rule). */
  @Override
  public OnnxJvp emitJvp(OnnxGraph graph, OnnxTensor x, OnnxTensor tangents) {
    OnnxJvp step = new OnnxJvp(x, tangents);
    for (Layer layer : layers) {
      step = OnnxJvpLayer.emitJvp(layer, graph, step.value(), step.tangents());
    }
    return step;
  }
}
