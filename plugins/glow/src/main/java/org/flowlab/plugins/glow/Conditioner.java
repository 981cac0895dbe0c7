package org.flowlab.plugins.glow;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.flowlab.api.bijector.ActNorm;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.Conv2d;
import org.flowlab.api.nn.DefinedLayer;
import org.flowlab.api.nn.EagerOps;
import org.flowlab.api.nn.Mlp;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.ops.TensorOps;

/**
 * The network of a coupling: maps the conditioning half of its input to {@code 2·out} features or
 * channels (shift, then raw scale). Its last layer starts at zero, so every coupling starts as the
 * identity (up to a constant scale). It is a sequence of stages, each a layer or an actnorm,
 * written once over {@link TensorOps} ({@link #apply}); {@link #initialize} runs the same stages on
 * the first training batch, where each actnorm sets itself from its input.
 */
final class Conditioner implements DefinedLayer {
  private final List<DefinedLayer> stages;
  private final EagerOps eager;

  private Conditioner(ParameterScope scope, List<DefinedLayer> stages) {
    this.stages = stages;
    this.eager = EagerOps.of(scope.autocast());
  }

  /** An MLP for vectors: {@code in → hidden… → 2·out}, zero-initialised last layer. */
  static Conditioner mlp(
      ParameterScope scope, int in, List<Integer> hidden, int out, Activation activation) {
    return new Conditioner(scope, List.of(new Mlp(scope, in, hidden, 2 * out, activation, true)));
  }

  /**
   * Glow's convolutional network for images {@code (in, h, w)}: conv3×3 → actnorm (optional) →
   * activation → conv1×1 → actnorm (optional) → activation → zero-initialised conv3×3 to {@code
   * 2·out} channels. Parameters {@code 0.*}, {@code 0.actnorm.*}, {@code 1.*}, {@code 1.actnorm.*},
   * {@code 2.*}.
   */
  static Conditioner conv(
      ParameterScope scope,
      int in,
      long h,
      long w,
      int hidden,
      int out,
      boolean actnorm,
      Activation activation) {
    Shape features = new Shape(hidden, h, w);
    List<DefinedLayer> stages = new ArrayList<>();
    stages.add(new Conv2d(scope.child("0"), in, hidden, 3, false));
    if (actnorm) {
      stages.add(norm(new ActNorm(scope.child("0.actnorm"), features)));
    }
    stages.add(activation);
    stages.add(new Conv2d(scope.child("1"), hidden, hidden, 1, false));
    if (actnorm) {
      stages.add(norm(new ActNorm(scope.child("1.actnorm"), features)));
    }
    stages.add(activation);
    stages.add(new Conv2d(scope.child("2"), hidden, 2 * out, 3, true));
    return new Conditioner(scope, stages);
  }

  /**
   * A single zero-initialised conv3×3 from {@code in} to {@code 2·out} channels: the conditioner of
   * Glow's learned split prior. Parameters {@code weight}, {@code bias}.
   */
  static Conditioner zeroConv(ParameterScope scope, int in, int out) {
    return new Conditioner(scope, List.of(new Conv2d(scope, in, 2 * out, 3, true)));
  }

  /**
   * The {@code 2·out} features or channels of the conditioning half {@code x} (batch first), in the
   * interpretation {@code ops}.
   */
  @Override
  public <T> T apply(TensorOps<T> ops, T x) {
    for (DefinedLayer stage : stages) {
      x = stage.apply(ops, x);
    }
    return x;
  }

  /** {@link #apply} eagerly on the first training batch: actnorm stages set themselves from it. */
  @Override
  public NDArray initialize(NDArray x) {
    for (DefinedLayer stage : stages) {
      x = stage.initialize(x);
    }
    return x;
  }

  @Override
  public EagerOps eager() {
    return eager;
  }

  /** An actnorm's forward value (its log-det belongs to no flow here). */
  private static DefinedLayer norm(ActNorm norm) {
    return new DefinedLayer() {
      @Override
      public <T> T apply(TensorOps<T> ops, T x) {
        return norm.forward(ops, x).value();
      }

      @Override
      public NDArray initialize(NDArray x) {
        return norm.initialize(x);
      }
    };
  }
}
