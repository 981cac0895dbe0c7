package org.flowlab.plugins.ffjord;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.EagerOps;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.ops.TensorOps;

/**
 * The CNF's vector field {@code f(z, t)}: a multilayer perceptron whose every linear layer also
 * sees the time. With {@code concatsquash} (FFJORD's ConcatSquashLinear) a layer is {@code (W z +
 * b) ⊙ σ(a t + c) + e t}; with {@code concat} it is {@code W z + b + w t}, a linear layer on [z,
 * t]. The last layer starts at zero (the block starts as the identity). The gates {@code σ(a t +
 * c)} and time terms {@code e t} are computed on the JVM and enter as parameters (constants of an
 * ONNX graph).
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

  @Override
  public List<? extends TimeLayer> layers() {
    return linears;
  }

  @Override
  public Activation activation() {
    return activation;
  }

  @Override
  public EagerOps eager() {
    return eager;
  }

  /** One time-conditioned linear layer. */
  private static final class TimeLinear implements TimeLayer {
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
    @Override
    public <T> T apply(TensorOps<T> ops, T z, NDArray t) {
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
