package org.flowlab.plugins.glow;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.bijector.ActNorm;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.Conv2d;
import org.flowlab.api.nn.Mlp;
import org.flowlab.api.nn.ParameterScope;

/**
 * The network of a coupling: maps the conditioning half of its input to {@code 2·out} features or
 * channels (shift, then raw scale). Its last layer starts at zero, so every coupling starts as the
 * identity (up to a constant scale).
 */
interface Conditioner {
  /**
   * @param x the conditioning half, batch first
   * @param initialize true on the first training batch: actnorm layers inside set themselves from
   *     it
   */
  NDArray apply(NDArray x, boolean initialize);

  /** An MLP for vectors: {@code in → hidden… → 2·out}, zero-initialised last layer. */
  static Conditioner mlp(
      ParameterScope scope, int in, List<Integer> hidden, int out, Activation activation) {
    Mlp net = new Mlp(scope, in, hidden, 2 * out, activation, true);
    return (x, initialize) -> net.forward(x);
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
    Conv2d first = new Conv2d(scope.child("0"), in, hidden, 3, false);
    ActNorm firstNorm =
        actnorm ? new ActNorm(scope.child("0.actnorm"), new Shape(hidden, h, w)) : null;
    Conv2d second = new Conv2d(scope.child("1"), hidden, hidden, 1, false);
    ActNorm secondNorm =
        actnorm ? new ActNorm(scope.child("1.actnorm"), new Shape(hidden, h, w)) : null;
    Conv2d last = new Conv2d(scope.child("2"), hidden, 2 * out, 3, true);
    return (x, initialize) -> {
      NDArray y = normalize(firstNorm, first.forward(x), initialize);
      y = normalize(secondNorm, second.forward(activation.forward(y)), initialize);
      return last.forward(activation.forward(y));
    };
  }

  /**
   * A single zero-initialised conv3×3 from {@code in} to {@code 2·out} channels: the conditioner of
   * Glow's learned split prior. Parameters {@code weight}, {@code bias}.
   */
  static Conditioner zeroConv(ParameterScope scope, int in, int out) {
    Conv2d conv = new Conv2d(scope, in, 2 * out, 3, true);
    return (x, initialize) -> conv.forward(x);
  }

  private static NDArray normalize(ActNorm norm, NDArray y, boolean initialize) {
    if (norm == null) {
      return y;
    }
    return initialize ? norm.initialize(y) : norm.forward(y, LogDetMode.EXACT).value();
  }
}
