package org.flowlab.plugins.ffjord;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.EagerOps;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.Jvp;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxJvp;
import org.flowlab.api.onnx.OnnxTensor;
import org.flowlab.api.ops.Dual;
import org.flowlab.api.ops.OnnxOps;
import org.flowlab.api.ops.TensorOps;
import org.flowlab.api.ops.Traced;

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
  private final EagerOps eager;

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
    this.eager = EagerOps.of(scope.autocast());
    int width = d;
    for (int k = 0; k <= hidden.size(); k++) {
      boolean last = k == hidden.size();
      int out = last ? d : hidden.get(k);
      linears.add(new TimeLinear(scope.child(Integer.toString(k)), width, out, squash, last));
      width = out;
    }
  }

  /**
   * {@code f(z, t)} in the interpretation {@code ops}, written once: the forward pass, the JVP, the
   * Jacobian and both emissions run it. The time is not a tangent direction: each layer's gate and
   * time term are computed from t on the JVM and enter as parameters.
   */
  private <T> T apply(TensorOps<T> ops, T z, NDArray t) {
    for (int k = 0; k < linears.size(); k++) {
      z = linears.get(k).apply(ops, z, t);
      if (k < linears.size() - 1) {
        z = activation.apply(ops, z);
      }
    }
    return z;
  }

  /** {@code f(z, t)}; {@code t} has shape (1). */
  @Override
  public NDArray forward(NDArray z, NDArray t) {
    return apply(eager, z, t);
  }

  /** {@code f(z, t)} and {@code J_z f(z, t) · v}, with v shaped like z. */
  @Override
  public Jvp jvp(NDArray z, NDArray t, NDArray v) {
    Dual<NDArray> y = apply(eager.dual(), new Dual<>(z, v), t);
    return new Jvp(y.primal(), y.tangent());
  }

  /**
   * {@code f(z, t)} and the full Jacobian as d tangents: {@code J_z f · e_i} for every basis vector
   * e_i, shape (d, n, d) with i first. The tangents start as the basis {@code (d, 1, d)}, which
   * broadcasts against the batch: the first layer's tangents are the columns of its weight, so this
   * costs one forward pass plus d tangent passes, without copying the batch d times.
   */
  @Override
  public Jvp jacobian(NDArray z, NDArray t) {
    long n = z.getShape().get(0);
    long d = z.getShape().get(1);
    NDArray basis = z.getManager().eye((int) d).reshape(d, 1, d);
    Dual<NDArray> y = apply(eager.dual(), new Dual<>(z, basis), t);
    NDArray tangent = y.tangent();
    if (tangent.getShape().get(1) != n) {
      tangent = tangent.broadcast(new Shape(d, n, d)); // a single linear layer: J is constant
    }
    return new Jvp(y.primal(), tangent);
  }

  /** Emits the MLP at the constant time t: per layer a Gemm, the gate and the time term. */
  @Override
  public OnnxTensor emit(OnnxGraph graph, OnnxTensor z, NDArray t) {
    return apply(new OnnxOps(graph), Traced.of(z), t).tensor();
  }

  /** Emits {@code f(z, t)} and the k tangents {@code J_z f · v} (dual numbers in the graph). */
  @Override
  public OnnxJvp emitJvp(OnnxGraph graph, OnnxTensor z, NDArray t, OnnxTensor tangents) {
    Dual<Traced> y =
        apply(new OnnxOps(graph).tangents(), new Dual<>(Traced.of(z), Traced.of(tangents)), t);
    return new OnnxJvp(y.primal().tensor(), y.tangent().tensor());
  }

  /** One time-conditioned linear layer. */
  private static final class TimeLinear {
    private final NDArray weight;
    private final NDArray bias;
    private final NDArray gateWeight;
    private final NDArray gateBias;
    private final NDArray timeWeight;

    TimeLinear(ParameterScope scope, int in, int out, boolean squash, boolean zero) {
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

    /** {@code (W z + b) ⊙ σ(a t + c) + e t}, the gate and time term computed from t here. */
    <T> T apply(TensorOps<T> ops, T z, NDArray t) {
      T pre = ops.linear(z, ops.parameter(weight), ops.parameter(bias));
      NDArray gate = gate(t);
      T gated = gate == null ? pre : ops.mul(pre, ops.parameter(gate));
      return ops.add(gated, ops.parameter(timeTerm(t)));
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
