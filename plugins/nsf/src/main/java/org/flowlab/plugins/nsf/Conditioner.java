package org.flowlab.plugins.nsf;

import ai.djl.ndarray.NDArray;
import java.util.List;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.Conv2d;
import org.flowlab.api.nn.Mlp;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxTensor;

/**
 * The network of a spline coupling: from the kept half to the raw spline parameters of the changed
 * half, {@code P} per changed element, along axis 1 (features or channels). Its last layer starts
 * at zero, so every coupling starts as the identity.
 */
interface Conditioner {
  /** The raw parameters for a batch of kept halves, batch first. */
  NDArray apply(NDArray kept);

  /** Emits {@link #apply} into {@code graph}. */
  OnnxTensor emit(OnnxGraph graph, OnnxTensor kept);

  /** An MLP for vectors: {@code in → hidden… → out}. Parameters {@code 0.*}, {@code 1.*}, … */
  static Conditioner mlp(
      ParameterScope scope, int in, List<Integer> hidden, int out, Activation activation) {
    Mlp net = new Mlp(scope, in, hidden, out, activation, true);
    return new Conditioner() {
      @Override
      public NDArray apply(NDArray kept) {
        return net.forward(kept);
      }

      @Override
      public OnnxTensor emit(OnnxGraph graph, OnnxTensor kept) {
        return net.emit(graph, kept);
      }
    };
  }

  /**
   * A small conv network for images: conv3×3 → activation → conv1×1 → activation → conv3×3 to
   * {@code out} channels. Parameters {@code 0.*}, {@code 1.*}, {@code 2.*}.
   */
  static Conditioner conv(
      ParameterScope scope, int in, int hidden, int out, Activation activation) {
    Conv2d first = new Conv2d(scope.child("0"), in, hidden, 3, false);
    Conv2d second = new Conv2d(scope.child("1"), hidden, hidden, 1, false);
    Conv2d last = new Conv2d(scope.child("2"), hidden, out, 3, true);
    return new Conditioner() {
      @Override
      public NDArray apply(NDArray kept) {
        NDArray y = activation.forward(first.forward(kept));
        return last.forward(activation.forward(second.forward(y)));
      }

      @Override
      public OnnxTensor emit(OnnxGraph graph, OnnxTensor kept) {
        OnnxTensor y = activation.emit(graph, first.emit(graph, kept));
        return last.emit(graph, activation.emit(graph, second.emit(graph, y)));
      }
    };
  }
}
