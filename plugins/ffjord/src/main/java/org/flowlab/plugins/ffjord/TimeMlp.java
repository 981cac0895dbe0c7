package org.flowlab.plugins.ffjord;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.Autocast;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.Jvp;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxJvp;
import org.flowlab.api.onnx.OnnxTensor;

/**
 * The CNF's vector field {@code f(z, t)}: a multilayer perceptron whose every linear layer also
 * sees the time. With {@code concatsquash} (FFJORD's ConcatSquashLinear) a layer is {@code (W z +
 * b) ⊙ σ(a t + c) + e t}; with {@code concat} it is {@code W z + b + w t}, a linear layer on [z,
 * t]. The last layer starts at zero (the block starts as the identity). {@link #jvp} gives {@code
 * f} and {@code J_z f · v} (the time is not a tangent direction). The ONNX emission takes t as a
 * constant: the gates {@code σ(a t + c)} and time terms {@code e t} are computed on the JVM and
 * written as constants of the graph.
 */
final class TimeMlp implements TimeNet {
  private final List<TimeLinear> linears = new ArrayList<>();
  private final Activation activation;

  /**
   * @param scope parameters {@code K.weight}, {@code K.bias} and the time weights per layer K
   * @param d input and output features
   * @param hidden hidden widths
   * @param activation nonlinearity between layers
   * @param squash true for ConcatSquash layers, false for concat
   */
  TimeMlp(
      ParameterScope scope, int d, List<Integer> hidden, Activation activation, boolean squash) {
    this.activation = activation;
    int width = d;
    for (int k = 0; k <= hidden.size(); k++) {
      boolean last = k == hidden.size();
      int out = last ? d : hidden.get(k);
      linears.add(new TimeLinear(scope.child(Integer.toString(k)), width, out, squash, last));
      width = out;
    }
  }

  /** {@code f(z, t)}; {@code t} has shape (1). */
  @Override
  public NDArray forward(NDArray z, NDArray t) {
    for (int k = 0; k < linears.size(); k++) {
      z = linears.get(k).forward(z, t);
      if (k < linears.size() - 1) {
        z = activation.forward(z);
      }
    }
    return z;
  }

  /** {@code f(z, t)} and {@code J_z f(z, t) · v}, with v shaped like z. */
  @Override
  public Jvp jvp(NDArray z, NDArray t, NDArray v) {
    for (int k = 0; k < linears.size(); k++) {
      TimeLinear layer = linears.get(k);
      NDArray gate = layer.gate(t);
      NDArray pre = layer.linear(z);
      NDArray tangent = layer.linearTangent(v);
      if (gate != null) {
        pre = pre.mul(gate);
        tangent = tangent.mul(gate);
      }
      z = pre.add(layer.timeTerm(t));
      v = tangent;
      if (k < linears.size() - 1) {
        Jvp step = activation.jvp(z, v);
        z = step.value();
        v = step.tangent();
      }
    }
    return new Jvp(z, v);
  }

  /**
   * {@code f(z, t)} and the full Jacobian as d tangents: {@code J_z f · e_i} for every basis vector
   * e_i, shape (d, n, d) with i first. The value is computed once for the batch; the first layer's
   * tangents are the columns of its weight, so this costs one forward pass plus d tangent passes,
   * without copying the batch d times.
   */
  @Override
  public Jvp jacobian(NDArray z, NDArray t) {
    long n = z.getShape().get(0);
    long d = z.getShape().get(1);
    NDArray tangent = null;
    for (int k = 0; k < linears.size(); k++) {
      TimeLinear layer = linears.get(k);
      NDArray gate = layer.gate(t);
      NDArray pre = layer.linear(z);
      // (d, 1, out) for the first layer: row i is W e_i; later (d, n, out).
      tangent = k == 0 ? layer.weight.transpose().reshape(d, 1, -1) : layer.linearTangent(tangent);
      if (gate != null) {
        pre = pre.mul(gate);
        tangent = tangent.mul(gate);
      }
      z = pre.add(layer.timeTerm(t));
      if (k < linears.size() - 1) {
        Jvp step = activation.jvp(z, tangent); // (n, out) derivative broadcasts over the d tangents
        z = step.value();
        tangent = step.tangent();
      }
    }
    if (tangent.getShape().get(1) != n) {
      tangent = tangent.broadcast(new Shape(d, n, d)); // a single linear layer: J is constant
    }
    return new Jvp(z, tangent);
  }

  /** Emits the MLP at the constant time t: per layer a Gemm, the gate and the time term. */
  @Override
  public OnnxTensor emit(OnnxGraph graph, OnnxTensor z, NDArray t) {
    String h = z.name();
    for (int k = 0; k < linears.size(); k++) {
      TimeLinear layer = linears.get(k);
      h = layer.emitTimed(graph, layer.emitLinear(graph, h), t);
      if (k < linears.size() - 1) {
        h = activation.emit(graph, new OnnxTensor(h, new Shape(layer.out()))).name();
      }
    }
    return new OnnxTensor(h, z.eventShape());
  }

  /**
   * Emits {@code f(z, t)} and the k tangents {@code J_z f · v}, layer by layer as {@link #jvp}:
   * tangents go through {@code v Wᵀ}, the gate and the activation's slope.
   */
  @Override
  public OnnxJvp emitJvp(OnnxGraph graph, OnnxTensor z, NDArray t, OnnxTensor tangents) {
    long k = tangents.eventShape().get(0);
    String h = z.name();
    String v = tangents.name();
    for (int i = 0; i < linears.size(); i++) {
      TimeLinear layer = linears.get(i);
      v = graph.matMul(v, graph.transpose(graph.initializer("weight", layer.weight), 1, 0));
      String gate = layer.emitGate(graph, t);
      if (gate != null) {
        v = graph.mul(v, gate);
      }
      h = layer.emitTimed(graph, layer.emitLinear(graph, h), t);
      if (i < linears.size() - 1) {
        Shape out = new Shape(layer.out());
        OnnxJvp step =
            activation.emitJvp(
                graph, new OnnxTensor(h, out), new OnnxTensor(v, new Shape(k).addAll(out)));
        h = step.value().name();
        v = step.tangents().name();
      }
    }
    return new OnnxJvp(new OnnxTensor(h, z.eventShape()), new OnnxTensor(v, tangents.eventShape()));
  }

  /** One time-conditioned linear layer. */
  private static final class TimeLinear {
    private final NDArray weight;
    private final NDArray bias;
    private final NDArray gateWeight;
    private final NDArray gateBias;
    private final NDArray timeWeight;
    private final Autocast autocast;

    TimeLinear(ParameterScope scope, int in, int out, boolean squash, boolean zero) {
      this.autocast = scope.autocast();
      Initializer init = zero ? Initializer.ZEROS : Initializer.uniform(1.0 / Math.sqrt(in));
      Shape outShape = new Shape(out);
      this.weight = scope.trainable("weight", new Shape(out, in), init);
      this.bias = scope.trainable("bias", outShape, init);
      // Time weights have fan-in 1 (PyTorch's Linear(1, out) default: uniform on ±1).
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

    long out() {
      return weight.getShape().get(0);
    }

    /** Emits {@code W z + b}. */
    String emitLinear(OnnxGraph graph, String z) {
      return graph.gemm(
          z, graph.initializer("weight", weight), graph.initializer("bias", bias), true);
    }

    /** Emits the gate σ(a t + c) as a constant (computed here), or null for a concat layer. */
    String emitGate(OnnxGraph graph, NDArray t) {
      NDArray gate = gate(t);
      return gate == null ? null : graph.initializer("gate", gate);
    }

    /** Emits {@code pre ⊙ gate + e t} with both factors as constants. */
    String emitTimed(OnnxGraph graph, String pre, NDArray t) {
      String gate = emitGate(graph, t);
      String gated = gate == null ? pre : graph.mul(pre, gate);
      return graph.add(gated, graph.initializer("time_term", timeTerm(t)));
    }

    NDArray forward(NDArray z, NDArray t) {
      NDArray pre = linear(z);
      NDArray gate = gate(t);
      return (gate == null ? pre : pre.mul(gate)).add(timeTerm(t));
    }

    NDArray linear(NDArray z) {
      return autocast.linear(z, weight, bias);
    }

    NDArray linearTangent(NDArray v) {
      return autocast.linear(v, weight, null);
    }

    /** σ(a t + c), shape (out), or null for a concat layer. */
    NDArray gate(NDArray t) {
      return gateWeight == null ? null : Activation.sigmoid(gateWeight.mul(t).add(gateBias));
    }

    /** e t, shape (out). */
    NDArray timeTerm(NDArray t) {
      return timeWeight.mul(t);
    }
  }
}
