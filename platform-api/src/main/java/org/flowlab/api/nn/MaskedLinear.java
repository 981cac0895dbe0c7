package org.flowlab.api.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxJvp;
import org.flowlab.api.onnx.OnnxJvpLayer;
import org.flowlab.api.onnx.OnnxLayer;
import org.flowlab.api.onnx.OnnxTensor;

/**
 * Affine map {@code x·(W⊙M)ᵀ + b} on the last axis with a fixed 0/1 mask {@code M}, shape (out,
 * in): output {@code o} sees input {@code i} only where {@code M[o][i] = 1}. The building block of
 * {@link Made}. The mask is a buffer (saved with the checkpoint, never trained); masked weights get
 * zero gradient. The mask product is float32; the affine map computes in its scope's {@link
 * Autocast} type and returns float32.
 */
public final class MaskedLinear implements Layer, OnnxLayer, OnnxJvpLayer {
  private final NDArray weight;
  private final NDArray mask;
  private final NDArray bias;
  private final Autocast autocast;

  /**
   * @param scope where the weight, bias and mask are registered
   * @param mask {@code mask[o][i]} true where output {@code o} may see input {@code i}; shape (out,
   *     in)
   * @param zeroInit start at zero instead of uniform on ±1/sqrt(in)
   */
  public MaskedLinear(ParameterScope scope, boolean[][] mask, boolean zeroInit) {
    int out = mask.length;
    int in = mask[0].length;
    Initializer init = zeroInit ? Initializer.ZEROS : Initializer.uniform(1.0 / Math.sqrt(in));
    this.weight = scope.trainable("weight", new Shape(out, in), init);
    this.bias = scope.trainable("bias", new Shape(out), init);
    this.mask = scope.buffer("mask", new Shape(out, in), (shape, rng) -> flatten(mask, in));
    this.autocast = scope.autocast();
  }

  private static float[] flatten(boolean[][] mask, int in) {
    float[] values = new float[mask.length * in];
    for (int o = 0; o < mask.length; o++) {
      if (mask[o].length != in) {
        throw new IllegalArgumentException(
            "mask row " + o + " has " + mask[o].length + " != " + in);
      }
      for (int i = 0; i < in; i++) {
        values[o * in + i] = mask[o][i] ? 1f : 0f;
      }
    }
    return values;
  }

  @Override
  public NDArray forward(NDArray x) {
    return autocast.linear(x, weight.mul(mask), bias);
  }

  @Override
  public Jvp jvp(NDArray x, NDArray v) {
    NDArray masked = weight.mul(mask);
    return new Jvp(autocast.linear(x, masked, bias), autocast.linear(v, masked, null));
  }

  /** Emits {@code x·(W⊙M)ᵀ + b}: the mask product on the initializers, then MatMul and Add. */
  @Override
  public OnnxTensor emit(OnnxGraph graph, OnnxTensor x) {
    return new OnnxTensor(
        graph.add(graph.matMul(x.name(), maskedTransposed(graph)), bias(graph)), map(x));
  }

  /** Emits the map and {@code v·(W⊙M)ᵀ} for the tangents. */
  @Override
  public OnnxJvp emitJvp(OnnxGraph graph, OnnxTensor x, OnnxTensor tangents) {
    OnnxTensor value = emit(graph, x);
    String t = graph.matMul(tangents.name(), maskedTransposed(graph));
    return new OnnxJvp(value, new OnnxTensor(t, map(tangents)));
  }

  private String maskedTransposed(OnnxGraph graph) {
    String w = graph.initializer("weight", weight);
    String m = graph.initializer("mask", mask);
    return graph.transpose(graph.mul(w, m), 1, 0);
  }

  private String bias(OnnxGraph graph) {
    return graph.initializer("bias", bias);
  }

  private Shape map(OnnxTensor x) {
    Shape event = x.eventShape();
    return event.slice(0, event.dimension() - 1).add(weight.getShape().get(0));
  }

  /** The mask, shape (out, in), 1 where a weight is used. */
  public NDArray mask() {
    return mask;
  }
}
