package org.flowlab.api.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxJvp;
import org.flowlab.api.onnx.OnnxJvpLayer;
import org.flowlab.api.onnx.OnnxLayer;
import org.flowlab.api.onnx.OnnxTensor;

/**
 * LipSwish (Chen et al. 2019, Residual Flows): {@code f(x) = x·sigmoid(βx)/1.1} with {@code β =
 * softplus(b)} for a learned scalar b (starting at 0.5). Dividing by 1.1 bounds the slope of swish
 * for every β > 0, so Lip(f) ≤ 1 and a spectrally normalised network built with it keeps its
 * Lipschitz bound.
 *
 * <p>Parameter (relative to the scope): {@code beta}, shape (1), the raw b.
 */
public final class LipSwish implements Layer, OnnxLayer, OnnxJvpLayer {
  private static final double DIVISOR = 1.1;

  private final NDArray raw;

  /**
   * @param scope where the raw parameter {@code beta} is registered
   */
  public LipSwish(ParameterScope scope) {
    this.raw = scope.trainable("beta", new Shape(1), Initializer.constant(0.5f));
  }

  /** β = softplus(b), shape (1). */
  public NDArray beta() {
    return ai.djl.nn.Activation.softPlus(raw); // one native op: no Java-side scalars in the graph
  }

  /**
   * 1/1.1 as a natively owned scalar. {@code NDArray.div(Number)} would wrap a Java buffer that DJL
   * frees right after the op while autograd keeps it for the backward pass.
   */
  private static NDArray inverseDivisor(NDArray like) {
    return like.getManager().full(new Shape(), (float) (1 / DIVISOR), like.getDataType());
  }

  @Override
  public NDArray forward(NDArray x) {
    return x.mul(Activation.sigmoid(x.mul(beta()))).mul(inverseDivisor(x));
  }

  /**
   * The pointwise derivative {@code f'(x) = (s + βx·s·(1 − s))/1.1} with {@code s = sigmoid(βx)},
   * shaped like {@code x}.
   */
  public NDArray derivative(NDArray x) {
    NDArray bx = x.mul(beta());
    NDArray s = Activation.sigmoid(bx);
    return s.add(bx.mul(s).mul(s.neg().add(1))).mul(inverseDivisor(x));
  }

  @Override
  public Jvp jvp(NDArray x, NDArray v) {
    NDArray bx = x.mul(beta());
    NDArray s = Activation.sigmoid(bx);
    NDArray y = x.mul(s).mul(inverseDivisor(x));
    NDArray d = s.add(bx.mul(s).mul(s.neg().add(1))).mul(inverseDivisor(x));
    return new Jvp(y, v.mul(d));
  }

  /** Emits {@code x·sigmoid(βx)/1.1} with β = Softplus(b) computed in the graph. */
  @Override
  public OnnxTensor emit(OnnxGraph graph, OnnxTensor x) {
    String bx = graph.mul(x.name(), emitBeta(graph));
    return x.with(scaled(graph, graph.mul(x.name(), graph.sigmoid(bx))));
  }

  /** Emits the value and the tangents times {@code (s + βx·s·(1 − s))/1.1}. */
  @Override
  public OnnxJvp emitJvp(OnnxGraph graph, OnnxTensor x, OnnxTensor tangents) {
    String bx = graph.mul(x.name(), emitBeta(graph));
    String s = graph.sigmoid(bx);
    String y = scaled(graph, graph.mul(x.name(), s));
    String slope =
        scaled(graph, graph.add(s, graph.mul(graph.mul(bx, s), graph.sub(graph.scalar(1), s))));
    String tangent = graph.mul(tangents.name(), graph.unsqueeze(slope, 1));
    return new OnnxJvp(x.with(y), tangents.with(tangent));
  }

  private String emitBeta(OnnxGraph graph) {
    return graph.softplus(graph.initializer("beta", raw));
  }

  private static String scaled(OnnxGraph graph, String value) {
    return graph.mul(value, graph.scalar(1 / DIVISOR));
  }
}
