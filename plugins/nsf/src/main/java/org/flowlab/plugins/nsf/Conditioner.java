package org.flowlab.plugins.nsf;

import java.util.List;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.Conv2d;
import org.flowlab.api.nn.DefinedLayer;
import org.flowlab.api.nn.EagerOps;
import org.flowlab.api.nn.Mlp;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.ops.TensorOps;

/**
 * The network of a spline coupling: from the kept half to the raw spline parameters of the changed
 * half, {@code P} per changed element, along axis 1 (features or channels). Its last layer starts
 * at zero, so every coupling starts as the identity.
 */
interface Conditioner extends DefinedLayer {
  /** An MLP for vectors: {@code in → hidden… → out}. Parameters {@code 0.*}, {@code 1.*}, … */
  static Conditioner mlp(
      ParameterScope scope, int in, List<Integer> hidden, int out, Activation activation) {
    Mlp net = new Mlp(scope, in, hidden, out, activation, true);
    return new Conditioner() {
      @Override
      public <T> T apply(TensorOps<T> ops, T kept) {
        return net.apply(ops, kept);
      }

      @Override
      public EagerOps eager() {
        return net.eager();
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
      public <T> T apply(TensorOps<T> ops, T kept) {
        T y = activation.apply(ops, first.apply(ops, kept));
        return last.apply(ops, activation.apply(ops, second.apply(ops, y)));
      }

      @Override
      public EagerOps eager() {
        return first.eager();
      }
    };
  }
}
