package org.flowlab.plugins.ffjord;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.Conv2d;
import org.flowlab.api.nn.DefinedLayer;
import org.flowlab.api.nn.EagerOps;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.Linear;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.ops.TensorOps;

/**
 * A CNF's time-conditioned vector field {@code f(z, t)}: layer, activation, …, layer, where every
 * layer is a plain layer of z whose output features (or channels) also see the time. With {@code
 * concatsquash} (FFJORD's ConcatSquashLinear and ConcatSquashConv2d) a layer is {@code layer(z) ⊙
 * σ(a t + c) + e t}; with {@code concat} it is {@code layer(z) + e t} (a layer on [z, t], up to the
 * border for a convolution). The layer is a {@link Linear} on vectors {@code (d)} or a
 * "same"-padded {@link Conv2d} on images {@code (c, h, w)} ({@link #of}). The last layer maps back
 * to the event's features (channels) and starts at zero, so the block starts as the identity.
 *
 * <p>Written once over {@link TensorOps}: {@link CnfBlock} runs it eagerly, as dual numbers for
 * {@code J_z f · v} (the time is not a tangent direction; the exact Jacobian of a small image
 * pushes the d basis images, {@code (d, 1, c, h, w)}, through the same layers) and recorded into
 * ONNX. The gates {@code σ(a t + c)} and time terms {@code e t} are computed from t on the JVM and
 * enter as parameters (differentiable eagerly, constants of a graph).
 */
final class TimeNet {
  /** Makes the plain layer {@code in → out} features (channels) in its scope. */
  private interface LayerKind {
    DefinedLayer make(ParameterScope scope, int in, int out, boolean zeroInit);
  }

  private final List<TimeLayer> layers = new ArrayList<>();
  private final Activation activation;
  private final EagerOps eager;

  /**
   * @param scope parameters {@code K.weight}, {@code K.bias}, {@code K.time_weight} (and {@code
   *     K.gate_weight}, {@code K.gate_bias}) per layer K
   * @param features the event's features (channels): the first layer's input, the last's output
   * @param hidden hidden widths (channel counts)
   * @param activation nonlinearity between layers
   * @param squash true for ConcatSquash layers, false for concat
   * @param spatialAxes the axes after the features that the gate and time term broadcast over (0
   *     for vectors, 2 for images)
   * @param kind the plain layer
   */
  private TimeNet(
      ParameterScope scope,
      int features,
      List<Integer> hidden,
      Activation activation,
      boolean squash,
      int spatialAxes,
      LayerKind kind) {
    this.activation = activation;
    this.eager = EagerOps.of(scope.autocast());
    int width = features;
    for (int k = 0; k <= hidden.size(); k++) {
      boolean last = k == hidden.size();
      int out = last ? features : hidden.get(k);
      ParameterScope layer = scope.child(Integer.toString(k));
      DefinedLayer plain = kind.make(layer, width, out, last);
      layers.add(new TimeLayer(layer, plain, out, spatialAxes, squash, last));
      width = out;
    }
  }

  /**
   * The field {@code config} asks for on events of {@code eventShape}: time-conditioned {@link
   * Linear} layers on vectors {@code (d)}, or {@link Conv2d} layers of the odd {@code kernel} with
   * "same" padding on images {@code (c, h, w)}; the {@code hidden} widths (channels) and {@code
   * activation}, ConcatSquash layers for {@code layer: concatsquash}.
   */
  static TimeNet of(ParameterScope scope, Shape eventShape, FfjordConfig config) {
    int features = Math.toIntExact(eventShape.get(0));
    int kernel = config.kernel();
    LayerKind kind =
        eventShape.dimension() == 1
            ? Linear::new
            : (layer, in, out, zero) -> new Conv2d(layer, in, out, kernel, zero);
    return new TimeNet(
        scope,
        features,
        config.hidden(),
        Activation.named(config.activation()),
        config.layer().equals("concatsquash"),
        eventShape.dimension() - 1,
        kind);
  }

  /** The eager interpretation (the scope's autocast) the network computes in. */
  EagerOps eager() {
    return eager;
  }

  /** {@code f(z, t)} in the interpretation {@code ops}, the time {@code t} of shape (1). */
  <T> T apply(TensorOps<T> ops, T z, NDArray t) {
    for (int k = 0; k < layers.size(); k++) {
      z = layers.get(k).apply(ops, z, t);
      if (k < layers.size() - 1) {
        z = activation.apply(ops, z);
      }
    }
    return z;
  }

  /** One layer of z whose output features see the time: {@code layer(z) ⊙ σ(a t + c) + e t}. */
  private static final class TimeLayer {
    private final DefinedLayer plain;
    private final NDArray timeWeight;
    private final NDArray gateWeight; // null for concat
    private final NDArray gateBias;
    private final Shape perFeature;

    /**
     * Registers {@code time_weight} (fan-in 1, PyTorch's {@code Linear(1, out)} default: uniform on
     * ±1; zero for the last layer) and, for ConcatSquash, {@code gate_weight} and {@code gate_bias}
     * (uniform on ±1), each of shape (out).
     */
    TimeLayer(
        ParameterScope scope,
        DefinedLayer plain,
        int out,
        int spatialAxes,
        boolean squash,
        boolean zero) {
      this.plain = plain;
      Shape outShape = new Shape(out);
      long[] broadcast = new long[1 + spatialAxes];
      Arrays.fill(broadcast, 1);
      broadcast[0] = out;
      this.perFeature = new Shape(broadcast);
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

    <T> T apply(TensorOps<T> ops, T z, NDArray t) {
      T pre = plain.apply(ops, z);
      T gated = gateWeight == null ? pre : ops.mul(pre, ops.parameter(gate(t)));
      return ops.add(gated, ops.parameter(timeWeight.mul(t).reshape(perFeature)));
    }

    /** σ(a t + c), shaped to broadcast over the spatial axes. */
    private NDArray gate(NDArray t) {
      return Activation.sigmoid(gateWeight.mul(t).add(gateBias)).reshape(perFeature);
    }
  }
}
