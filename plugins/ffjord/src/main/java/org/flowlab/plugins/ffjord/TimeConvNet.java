package org.flowlab.plugins.ffjord;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.Conv2d;
import org.flowlab.api.nn.EagerOps;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.ops.TensorOps;

/**
 * The CNF's vector field for images {@code (c, h, w)}: a stack of time-conditioned 3×3 (or k×k)
 * convolutions with "same" padding, FFJORD's ConcatSquashConv2d: {@code conv(z) ⊙ σ(a t + c) + e t}
 * per output channel ({@code concatsquash}), or {@code conv(z) + e t} ({@code concat}, a conv with
 * the time as a constant extra channel, up to the border). The last layer maps back to c channels
 * and starts at zero (the block starts as the identity). Written once ({@link TimeNet#apply}): the
 * exact Jacobian for small images pushes the d basis images, {@code (d, 1, c, h, w)}, through the
 * dual numbers of the same layers, so the first layer convolves the d basis images once and later
 * layers the {@code d·n} tangent images.
 */
final class TimeConvNet implements TimeNet {
  private final List<TimeConv> layers = new ArrayList<>();
  private final Activation activation;
  private final EagerOps eager;

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
    this.eager = EagerOps.of(scope.autocast());
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
  public List<? extends TimeLayer> layers() {
    return layers;
  }

  @Override
  public Activation activation() {
    return activation;
  }

  @Override
  public EagerOps eager() {
    return eager;
  }

  /** One time-conditioned convolution. */
  private static final class TimeConv implements TimeLayer {
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

    /** {@code conv(z) ⊙ σ(a t + c) + e t}, the gate and time term computed from t here. */
    @Override
    public <T> T apply(TensorOps<T> ops, T z, NDArray t) {
      T pre = conv.apply(ops, z);
      T gated = gateWeight == null ? pre : ops.mul(pre, ops.parameter(gate(t)));
      return ops.add(gated, ops.parameter(timeWeight.mul(t).reshape(perChannel)));
    }

    /** σ(a t + c), shape (out, 1, 1). */
    private NDArray gate(NDArray t) {
      return Activation.sigmoid(gateWeight.mul(t).add(gateBias)).reshape(perChannel);
    }
  }
}
