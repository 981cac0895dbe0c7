package org.flowlab.plugins.ffjord;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.Conv2d;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.Jvp;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxJvp;
import org.flowlab.api.onnx.OnnxTensor;

/**
 * The CNF's vector field for images {@code (c, h, w)}: a stack of time-conditioned 3×3 (or k×k)
 * convolutions with "same" padding, FFJORD's ConcatSquashConv2d: {@code conv(z) ⊙ σ(a t + c) + e t}
 * per output channel ({@code concatsquash}), or {@code conv(z) + e t} ({@code concat}, a conv with
 * the time as a constant extra channel, up to the border). The last layer maps back to c channels
 * and starts at zero (the block starts as the identity).
 *
 * <p>The exact Jacobian for small images ({@link #jacobian}) pushes the d basis images through the
 * tangent path: the first layer convolves the d basis images once, later layers convolve the {@code
 * d·n} tangent images.
 */
final class TimeConvNet implements TimeNet {
  private final List<TimeConv> layers = new ArrayList<>();
  private final Activation activation;
  private final Shape eventShape;

  /**
   * @param scope parameters {@code K.weight}, {@code K.bias}, {@code K.time_weight} (and {@code
   *     K.gate_weight}, {@code K.gate_bias}) per layer K
   * @param eventShape the image shape {@code (c, h, w)}
   * @param hidden hidden channel counts
   * @param kernel the odd kernel size
   * @param activation nonlinearity between layers
   * @param squash true for ConcatSquash layers, false for concat
   */
  TimeConvNet(
      ParameterScope scope,
      Shape eventShape,
      List<Integer> hidden,
      int kernel,
      Activation activation,
      boolean squash) {
    this.activation = activation;
    this.eventShape = eventShape;
    int c = Math.toIntExact(eventShape.get(0));
    int width = c;
    for (int k = 0; k <= hidden.size(); k++) {
      boolean last = k == hidden.size();
      int out = last ? c : hidden.get(k);
      layers.add(new TimeConv(scope.child(Integer.toString(k)), width, out, kernel, squash, last));
      width = out;
    }
  }

  @Override
  public NDArray forward(NDArray z, NDArray t) {
    for (int k = 0; k < layers.size(); k++) {
      TimeConv layer = layers.get(k);
      z = layer.timed(layer.conv.forward(z), t);
      if (k < layers.size() - 1) {
        z = activation.forward(z);
      }
    }
    return z;
  }

  @Override
  public Jvp jvp(NDArray z, NDArray t, NDArray v) {
    for (int k = 0; k < layers.size(); k++) {
      TimeConv layer = layers.get(k);
      Jvp conv = layer.conv.jvp(z, v);
      NDArray gate = layer.gate(t);
      z = layer.timed(conv.value(), t);
      v = gate == null ? conv.tangent() : conv.tangent().mul(gate);
      if (k < layers.size() - 1) {
        Jvp step = activation.jvp(z, v);
        z = step.value();
        v = step.tangent();
      }
    }
    return new Jvp(z, v);
  }

  @Override
  public Jvp jacobian(NDArray z, NDArray t) {
    long n = z.getShape().get(0);
    long d = eventShape.size();
    NDArray basis =
        z.getManager()
            .eye(Math.toIntExact(d))
            .toType(z.getDataType(), false)
            .reshape(new Shape(d).addAll(eventShape));
    NDArray tangent = null; // (d, n or 1, channels, h, w)
    for (int k = 0; k < layers.size(); k++) {
      TimeConv layer = layers.get(k);
      NDArray in =
          k == 0 ? basis : tangent.reshape(new Shape(-1).addAll(tangent.getShape().slice(2)));
      Jvp conv = layer.conv.jvp(z, in);
      Shape image = conv.tangent().getShape().slice(1);
      tangent = conv.tangent().reshape(new Shape(d, k == 0 ? 1 : n).addAll(image));
      NDArray gate = layer.gate(t);
      if (gate != null) {
        tangent = tangent.mul(gate);
      }
      z = layer.timed(conv.value(), t);
      if (k < layers.size() - 1) {
        Jvp step = activation.jvp(z, tangent); // (n, ...) slope broadcasts over the d tangents
        z = step.value();
        tangent = step.tangent();
      }
    }
    if (tangent.getShape().get(1) != n) {
      tangent = tangent.broadcast(new Shape(d, n).addAll(eventShape));
    }
    return new Jvp(z, tangent);
  }

  @Override
  public OnnxTensor emit(OnnxGraph graph, OnnxTensor z, NDArray t) {
    OnnxTensor h = z;
    for (int k = 0; k < layers.size(); k++) {
      TimeConv layer = layers.get(k);
      OnnxTensor pre = layer.conv.emit(graph, h);
      h = pre.with(layer.emitTimed(graph, pre.name(), t));
      if (k < layers.size() - 1) {
        h = activation.emit(graph, h);
      }
    }
    return h;
  }

  @Override
  public OnnxJvp emitJvp(OnnxGraph graph, OnnxTensor z, NDArray t, OnnxTensor tangents) {
    OnnxTensor h = z;
    OnnxTensor v = tangents;
    for (int k = 0; k < layers.size(); k++) {
      TimeConv layer = layers.get(k);
      OnnxJvp conv = layer.conv.emitJvp(graph, h, v);
      String gate = layer.emitGate(graph, t);
      v =
          gate == null
              ? conv.tangents()
              : conv.tangents().with(graph.mul(conv.tangents().name(), gate));
      h = conv.value().with(layer.emitTimed(graph, conv.value().name(), t));
      if (k < layers.size() - 1) {
        OnnxJvp step = activation.emitJvp(graph, h, v);
        h = step.value();
        v = step.tangents();
      }
    }
    return new OnnxJvp(h, v);
  }

  /** One time-conditioned convolution. */
  private static final class TimeConv {
    private final Conv2d conv;
    private final NDArray gateWeight;
    private final NDArray gateBias;
    private final NDArray timeWeight;
    private final Shape perChannel;

    TimeConv(ParameterScope scope, int in, int out, int kernel, boolean squash, boolean zero) {
      this.conv = new Conv2d(scope, in, out, kernel, zero);
      this.perChannel = new Shape(out, 1, 1);
      Shape outShape = new Shape(out);
      Initializer timeInit = zero ? Initializer.ZEROS : Initializer.uniform(1.0);
      this.timeWeight = scope.trainable("time_weight", outShape, timeInit);
      if (squash) {
        this.gateWeight = scope.trainable("gate_weight", outShape, Initializer.uniform(1.0));
        this.gateBias = scope.trainable("gate_bias", outShape, Initializer.uniform(1.0));
      } else {
        this.gateWeight = null;
        this.gateBias = null;
      }
    }

    /** {@code pre ⊙ gate + e t}. */
    NDArray timed(NDArray pre, NDArray t) {
      NDArray gate = gate(t);
      return (gate == null ? pre : pre.mul(gate)).add(timeWeight.mul(t).reshape(perChannel));
    }

    /** σ(a t + c), shape (out, 1, 1), or null for a concat layer. */
    NDArray gate(NDArray t) {
      return gateWeight == null
          ? null
          : Activation.sigmoid(gateWeight.mul(t).add(gateBias)).reshape(perChannel);
    }

    String emitGate(OnnxGraph graph, NDArray t) {
      NDArray gate = gate(t);
      return gate == null ? null : graph.initializer("gate", gate);
    }

    String emitTimed(OnnxGraph graph, String pre, NDArray t) {
      String gate = emitGate(graph, t);
      String gated = gate == null ? pre : graph.mul(pre, gate);
      return graph.add(
          gated, graph.initializer("time_term", timeWeight.mul(t).reshape(perChannel)));
    }
  }
}
