package org.flowlab.plugins.residual;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;
import org.flowlab.api.estimate.LinearOperator;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.DefinedLayer;
import org.flowlab.api.nn.EagerOps;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.LipSwish;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.ops.Dual;
import org.flowlab.api.ops.DualOps;
import org.flowlab.api.ops.TangentLayout;
import org.flowlab.api.ops.TensorOps;

/**
 * The network g of a residual block {@code y = x + g(x)}, with Lip(g) ≤ c < 1: spectrally
 * normalised layers and 1-Lipschitz activations. {@link LipschitzMlp} for vectors (linear layers),
 * {@link LipschitzCnn} for images (convolutions); each says only what its layer is ({@link
 * #layer}), and g is written once here, over {@link TensorOps}: the eager forward, the
 * linearisation the log-det estimators use and the ONNX emission all run {@link #apply} or {@link
 * #linearize}.
 *
 * <p>Each call first fixes the normalised weights ({@link #weights}), so that a forward, its
 * log-det and an inverse's many evaluations of g use one set; they enter a definition through
 * {@code ops.parameter}, so the ONNX emission writes exactly those weights ({@code weights(false)},
 * what the JVM uses in evaluation and inverses).
 */
abstract class LipschitzNet {
  /** g(x) and its Jacobian at x, as a per-sample operator on tangents shaped like x. */
  record Linearization(NDArray value, LinearOperator jacobian) {}

  /**
   * g(x) and its Jacobian at x in one interpretation.
   *
   * @param value g(x)
   * @param jacobian {@code v ↦ J·v} on tangents laid out as the dual ops that made it lay them out
   *     (eagerly shaped like x; in ONNX k per sample, {@code (N, k, event...)}, where a batch axis
   *     of 1 broadcasts)
   * @param <T> the value type of the interpretation
   */
  record Linearized<T>(T value, UnaryOperator<T> jacobian) {}

  /** A layer's normaliser ({@code SpectralNorm}, {@link ConvSpectralNorm}). */
  @FunctionalInterface
  interface Normalizer {
    /** The normalised weight for one call; {@code update} writes back the power iteration. */
    NDArray weight(boolean update);
  }

  private final List<NDArray> rawWeights = new ArrayList<>();
  private final List<NDArray> biases = new ArrayList<>();
  private final List<Normalizer> norms = new ArrayList<>();
  private final List<DefinedLayer> activations = new ArrayList<>();
  private final EagerOps eager;
  private final NDArray unitTangent;

  /**
   * @param scope whose {@link org.flowlab.api.nn.Autocast} the eager path computes in
   */
  LipschitzNet(ParameterScope scope) {
    this.eager = EagerOps.of(scope.autocast());
    // A 1 of shape (1) on the weights' device: the unit tangent that makes a dual give the slope.
    // Owned by the manager alone, not by an NDScope open while the flow is built.
    this.unitTangent = scope.manager().ones(new Shape(1));
    NDScope.unregister(unitTangent);
  }

  /**
   * Registers the layers {@code in → hidden… → in} under {@code scope}: for each layer L, {@code
   * L.weight} of shape {@code weightShape(out, in)} and {@code L.bias}, uniform on ±1/sqrt(fan-in),
   * its normaliser on {@code L.sn}, and after every layer but the last the activation {@code act.L}
   * (LipSwish owns {@code act.L.beta}).
   */
  protected final void addLayers(
      ParameterScope scope,
      int in,
      List<Integer> hidden,
      String activation,
      BiFunction<Integer, Integer, Shape> weightShape,
      BiFunction<ParameterScope, NDArray, Normalizer> normalizer) {
    int width = in;
    List<Integer> widths = new ArrayList<>(hidden);
    widths.add(in);
    for (int l = 0; l < widths.size(); l++) {
      int out = widths.get(l);
      Shape shape = weightShape.apply(out, width);
      ParameterScope layer = scope.child(Integer.toString(l));
      Initializer init = Initializer.uniform(1.0 / Math.sqrt((double) shape.size() / out));
      NDArray w = layer.trainable("weight", shape, init);
      rawWeights.add(w);
      biases.add(layer.trainable("bias", new Shape(out), init));
      norms.add(normalizer.apply(layer.child("sn"), w));
      if (l < widths.size() - 1) {
        activations.add(
            activation.equals("lipswish")
                ? new LipSwish(scope.child("act." + l))
                : Activation.named(activation));
      }
      width = out;
    }
  }

  /**
   * One layer with weight {@code weight} and {@code bias} (null on tangents): {@code x·Wᵀ + b} or a
   * convolution.
   */
  abstract <T> T layer(TensorOps<T> ops, T x, T weight, T bias);

  /** The normalised weights for one call; {@code update} writes back the power iteration. */
  final List<NDArray> weights(boolean update) {
    List<NDArray> out = new ArrayList<>(rawWeights.size());
    for (int l = 0; l < rawWeights.size(); l++) {
      out.add(norms.get(l).weight(update));
    }
    return out;
  }

  /** The unnormalised weights (matrices or convolution kernels), first layer first. */
  final List<NDArray> rawWeights() {
    return rawWeights;
  }

  /** g(x) in the interpretation {@code ops} with the given normalised weights. */
  final <T> T apply(TensorOps<T> ops, T x, List<NDArray> weights) {
    return run(ops, x, weights, null);
  }

  /**
   * g(x) and its Jacobian at x in the interpretation {@code dual.base()}: g runs once, keeping each
   * activation's slope f'(pre-activation) (its dual with a unit tangent), so an application of the
   * Jacobian costs only {@code J·v = … slope ⊙ layer(v) …}, the layers without their biases.
   */
  final <T> Linearized<T> linearize(DualOps<T> dual, T x, List<NDArray> weights) {
    TensorOps<T> ops = dual.base();
    List<T> slopes = new ArrayList<>(activations.size());
    T value = run(ops, x, weights, slopes);
    List<T> lifted = new ArrayList<>(slopes.size());
    for (T slope : slopes) {
      lifted.add(dual.layout().lift(slope));
    }
    List<T> w = new ArrayList<>(weights.size());
    for (NDArray weight : weights) {
      w.add(ops.parameter(weight));
    }
    UnaryOperator<T> jacobian =
        v -> {
          for (int l = 0; l < w.size(); l++) {
            v = layer(ops, v, w.get(l), null);
            if (l < lifted.size()) {
              v = ops.mul(v, lifted.get(l));
            }
          }
          return v;
        };
    return new Linearized<>(value, jacobian);
  }

  /**
   * The one definition of g: layer, activation, …, layer. With {@code slopes} non-null each
   * activation also gives its pointwise slope (the dual numbers of the same ops with a unit
   * tangent), appended there.
   */
  private <T> T run(TensorOps<T> ops, T x, List<NDArray> weights, List<T> slopes) {
    DualOps<T> pointwise = slopes == null ? null : new DualOps<>(ops, TangentLayout.same());
    for (int l = 0; l < weights.size(); l++) {
      x = layer(ops, x, ops.parameter(weights.get(l)), ops.parameter(biases.get(l)));
      if (l < activations.size()) {
        DefinedLayer act = activations.get(l);
        if (slopes == null) {
          x = act.apply(ops, x);
        } else {
          Dual<T> y = act.apply(pointwise, new Dual<>(x, ops.parameter(unitTangent)));
          slopes.add(y.tangent());
          x = y.primal();
        }
      }
    }
    return x;
  }

  /** The eager interpretation (the scope's autocast) that {@link #forward} computes in. */
  final EagerOps eager() {
    return eager;
  }

  /** g(x) eagerly with the given normalised weights. */
  final NDArray forward(NDArray x, List<NDArray> weights) {
    return apply(eager, x, weights);
  }

  /** g(x) and {@code v ↦ J_g(x)·v} eagerly, the activations' slopes at x computed once. */
  final Linearization linearize(NDArray x, List<NDArray> weights) {
    Linearized<NDArray> lin = linearize(eager.dual(), x, weights);
    return new Linearization(lin.value(), lin.jacobian()::apply);
  }
}
