package org.flowlab.api.nn;

import ai.djl.ndarray.NDArray;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.flowlab.api.ops.TensorOps;

/**
 * Pointwise nonlinearities, each a {@link DefinedLayer}: its derivative (exact) and its ONNX ops
 * come from the one definition.
 */
public enum Activation implements DefinedLayer {
  /** tanh(x). */
  TANH {
    @Override
    public <T> T apply(TensorOps<T> ops, T x) {
      return ops.tanh(x);
    }
  },
  /** max(x, 0). */
  RELU {
    @Override
    public <T> T apply(TensorOps<T> ops, T x) {
      return ops.relu(x);
    }
  },
  /** x for x > 0, exp(x) − 1 otherwise. */
  ELU {
    @Override
    public <T> T apply(TensorOps<T> ops, T x) {
      return ops.elu(x);
    }
  },
  /** log(1 + exp(x)). */
  SOFTPLUS {
    @Override
    public <T> T apply(TensorOps<T> ops, T x) {
      return ops.softplus(x);
    }
  },
  /** x·sigmoid(x), also called swish. */
  SILU {
    @Override
    public <T> T apply(TensorOps<T> ops, T x) {
      return ops.mul(x, ops.sigmoid(x));
    }
  };

  /** The activation named in YAML ({@code tanh, relu, elu, softplus, silu}). */
  public static Activation named(String name) {
    return valueOf(name.toUpperCase(Locale.ROOT));
  }

  /** The names accepted by {@link #named}. */
  public static List<String> names() {
    return Arrays.stream(values()).map(a -> a.name().toLowerCase(Locale.ROOT)).toList();
  }

  /** Numerically stable sigmoid. */
  public static NDArray sigmoid(NDArray x) {
    return ai.djl.nn.Activation.sigmoid(x);
  }

  /** Numerically stable softplus, log(1 + exp(x)). */
  public static NDArray softplus(NDArray x) {
    return Scalars.maximum(x, 0).add(x.abs().neg().exp().add(1).log());
  }
}
