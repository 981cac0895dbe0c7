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
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxTensor;

/**
 * The network of a coupling: maps the conditioning half of its input to {@code 2·out} features or
 * channels (shift, then raw scale). Its last layer starts at zero, so every coupling starts as the
 * identity (up to a constant scale). Each conditioner also writes itself into an ONNX graph with
 * the same ops ({@link #emit}).
 */
interface Conditioner {
  /**
   * @param x the conditioning half, batch first
   * @param initialize true on the first training batch: actnorm layers inside set themselves from
   *     it
   */
  NDArray apply(NDArray x, boolean initialize);

  /**
   * Emits {@link #apply} (without initialisation) into {@code graph}.
   *
   * @param x the conditioning half, batch first
   * @return the {@code 2·out} features or channels
   */
  OnnxTensor emit(OnnxGraph graph, OnnxTensor x);

  /** An MLP for vectors: {@code in → hidden… → 2·out}, zero-initialised last layer. */
  static Conditioner mlp(
      ParameterScope scope, int in, List<Integer> hidden, int out, Activation activation) {
    Mlp net = new Mlp(scope, in, hidden, 2 * out, activation, true);
    return new Conditioner() {
      @Override
      public NDArray apply(NDArray x, boolean initialize) {
        return net.forward(x);
      }

      @Override
      public OnnxTensor emit(OnnxGraph graph, OnnxTensor x) {
        return net.emit(graph, x);
      }
    };
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
    return new Conditioner() {
      @Override
      public NDArray apply(NDArray x, boolean initialize) {
        NDArray y = normalize(firstNorm, first.forward(x), initialize);
        y = normalize(secondNorm, second.forward(activation.forward(y)), initialize);
        return last.forward(activation.forward(y));
      }

      @Override
      public OnnxTensor emit(OnnxGraph graph, OnnxTensor x) {
        OnnxTensor y = normalize(graph, firstNorm, first.emit(graph, x));
        y = normalize(graph, secondNorm, second.emit(graph, activation.emit(graph, y)));
        return last.emit(graph, activation.emit(graph, y));
      }
    };
  }

  /**
   * A single zero-initialised conv3×3 from {@code in} to {@code 2·out} channels: the conditioner of
   * Glow's learned split prior. Parameters {@code weight}, {@code bias}.
   */
  static Conditioner zeroConv(ParameterScope scope, int in, int out) {
    Conv2d conv = new Conv2d(scope, in, 2 * out, 3, true);
    return new Conditioner() {
      @Override
      public NDArray apply(NDArray x, boolean initialize) {
        return conv.forward(x);
      }

      @Override
      public OnnxTensor emit(OnnxGraph graph, OnnxTensor x) {
        return conv.emit(graph, x);
      }
    };
  }

  private static NDArray normalize(ActNorm norm, NDArray y, boolean initialize) {
    if (norm == null) {
      return y;
    }
    return initialize ? norm.initialize(y) : norm.forward(y, LogDetMode.EXACT).value();
  }

  private static OnnxTensor normalize(OnnxGraph graph, ActNorm norm, OnnxTensor y) {
    return norm == null ? y : norm.emitForward(graph, y).value();
  }
}
