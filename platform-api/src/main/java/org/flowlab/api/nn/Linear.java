package org.flowlab.api.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxJvp;
import org.flowlab.api.onnx.OnnxJvpLayer;
import org.flowlab.api.onnx.OnnxLayer;
import org.flowlab.api.onnx.OnnxTensor;

/**
 * Affine map {@code x·Wᵀ + b} on the last axis; weight shape (out, in). Computes in its scope's
 * {@link Autocast} type and returns float32.
 */
public final class Linear implements Layer, OnnxLayer, OnnxJvpLayer {
  private final NDArray weight;
  private final NDArray bias;
  private final Autocast autocast;

  /**
   * @param scope where the weight and bias are registered
   * @param in input features
   * @param out output features
   * @param zeroInit start at zero (the last layer of a conditioner) instead of PyTorch's default,
   *     uniform on ±1/sqrt(in)
   */
  public Linear(ParameterScope scope, int in, int out, boolean zeroInit) {
    Initializer init = zeroInit ? Initializer.ZEROS : Initializer.uniform(1.0 / Math.sqrt(in));
    this.weight = scope.trainable("weight", new Shape(out, in), init);
    this.bias = scope.trainable("bias", new Shape(out), init);
    this.autocast = scope.autocast();
  }

  @Override
  public NDArray forward(NDArray x) {
    return autocast.linear(x, weight, bias);
  }

  @Override
  public Jvp jvp(NDArray x, NDArray v) {
    return new Jvp(forward(x), autocast.linear(v, weight, null));
  }

  /** Emits {@code x·Wᵀ + b}: one Gemm for vectors, MatMul and Add on higher ranks. */
  @Override
  public OnnxTensor emit(OnnxGraph graph, OnnxTensor x) {
    String w = graph.initializer("weight", weight);
    String b = graph.initializer("bias", bias);
    long out = weight.getShape().get(0);
    Shape event = x.eventShape();
    Shape outShape = event.slice(0, event.dimension() - 1).add(out);
    if (event.dimension() == 1) {
      return new OnnxTensor(graph.gemm(x.name(), w, b, true), outShape);
    }
    String wt = graph.transpose(w, 1, 0);
    return new OnnxTensor(graph.add(graph.matMul(x.name(), wt), b), outShape);
  }

  /** Emits the map and {@code v·Wᵀ} for the tangents (no bias: the map is affine). */
  @Override
  public OnnxJvp emitJvp(OnnxGraph graph, OnnxTensor x, OnnxTensor tangents) {
    OnnxTensor value = emit(graph, x);
    String wt = graph.transpose(graph.initializer("weight", weight), 1, 0);
    Shape t = tangents.eventShape();
    Shape tangentShape = t.slice(0, t.dimension() - 1).add(weight.getShape().get(0));
    return new OnnxJvp(value, new OnnxTensor(graph.matMul(tangents.name(), wt), tangentShape));
  }

  /** The weight, shape (out, in). */
  public NDArray weight() {
    return weight;
  }
}
