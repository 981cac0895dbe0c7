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
 * A multilayer perceptron: Linear → activation → … → Linear. The last layer can start at zero, so
 * that a coupling whose conditioner is this MLP starts as the identity.
 */
public final class Mlp implements Layer, OnnxLayer, OnnxJvpLayer {
  private final List<Layer> layers = new ArrayList<>();

  /**
   * @param scope where the layers register their weights ({@code 0.weight}, {@code 1.weight}, …)
   * @param in input features
   * @param hidden width of each hidden layer (its size is the number of hidden layers)
   * @param out output features
   * @param activation nonlinearity between layers
   * @param zeroLast whether the last linear layer starts at zero
   */
  public Mlp(
      ParameterScope scope,
      int in,
      List<Integer> hidden,
      int out,
      Activation activation,
      boolean zeroLast) {
    int width = in;
    int index = 0;
    for (int h : hidden) {
      layers.add(new Linear(scope.child(Integer.toString(index++)), width, h, false));
      layers.add(activation);
      width = h;
    }
    layers.add(new Linear(scope.child(Integer.toString(index)), width, out, zeroLast));
  }

  @Override
  public NDArray forward(NDArray x) {
    for (Layer layer : layers) {
      x = layer.forward(x);
    }
    return x;
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

  @Override
  public Jvp jvp(NDArray x, NDArray v) {
    for (Layer layer : layers) {
      Jvp step = layer.jvp(x, v);
      x = step.value();
      v = step.tangent();
    }
    return new Jvp(x, v);
  }
}
