package org.flowlab.api.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxJvp;
import org.flowlab.api.onnx.OnnxJvpLayer;
import org.flowlab.api.onnx.OnnxLayer;
import org.flowlab.api.onnx.OnnxTensor;

/**
 * Pointwise nonlinearities with their derivatives, so each is a {@link Layer} with an exact JVP.
 */
public enum Activation implements Layer, OnnxLayer, OnnxJvpLayer {
  /** tanh(x). */
  TANH {
    @Override
    public NDArray forward(NDArray x) {
      return x.tanh();
    }

    @Override
    String emit(OnnxGraph graph, String x) {
      return graph.tanh(x);
    }

    @Override
    String emitDerivative(OnnxGraph graph, String x, String y) {
      return graph.sub(graph.scalar(1), graph.square(y));
    }

    @Override
    NDArray derivative(NDArray x, NDArray y) {
      return y.square().neg().add(1);
    }
  },
  /** max(x, 0). */
  RELU {
    @Override
    public NDArray forward(NDArray x) {
      return ai.djl.nn.Activation.relu(x);
    }

    @Override
    String emit(OnnxGraph graph, String x) {
      return graph.relu(x);
    }

    @Override
    String emitDerivative(OnnxGraph graph, String x, String y) {
      return graph.greaterAsFloat(x, graph.scalar(0));
    }

    @Override
    NDArray derivative(NDArray x, NDArray y) {
      return x.gt(0).toType(x.getDataType(), false);
    }
  },
  /** x for x > 0, exp(x) − 1 otherwise. */
  ELU {
    @Override
    public NDArray forward(NDArray x) {
      return ai.djl.nn.Activation.elu(x, 1f);
    }

    @Override
    String emit(OnnxGraph graph, String x) {
      return graph.elu(x, 1.0);
    }

    @Override
    String emitDerivative(OnnxGraph graph, String x, String y) {
      String positive = graph.greaterAsFloat(x, graph.scalar(0));
      String negativeSlope = graph.exp(graph.min(x, graph.scalar(0)));
      // positive + (1 − positive)·exp(min(x, 0)): 1 for x > 0, exp(x) otherwise
      return graph.add(positive, graph.mul(graph.sub(graph.scalar(1), positive), negativeSlope));
    }

    @Override
    NDArray derivative(NDArray x, NDArray y) {
      return NDArrays.where(x.gt(0), x.onesLike(), Scalars.minimum(x, 0).exp());
    }
  },
  /** log(1 + exp(x)). */
  SOFTPLUS {
    @Override
    public NDArray forward(NDArray x) {
      return ai.djl.nn.Activation.softPlus(x);
    }

    @Override
    String emit(OnnxGraph graph, String x) {
      return graph.softplus(x);
    }

    @Override
    String emitDerivative(OnnxGraph graph, String x, String y) {
      return graph.sigmoid(x);
    }

    @Override
    NDArray derivative(NDArray x, NDArray y) {
      return sigmoid(x);
    }
  },
  /** x·sigmoid(x), also called swish. */
  SILU {
    @Override
    public NDArray forward(NDArray x) {
      return x.mul(sigmoid(x));
    }

    @Override
    String emit(OnnxGraph graph, String x) {
      return graph.mul(x, graph.sigmoid(x));
    }

    @Override
    String emitDerivative(OnnxGraph graph, String x, String y) {
      String s = graph.sigmoid(x);
      return graph.add(s, graph.mul(graph.mul(x, s), graph.sub(graph.scalar(1), s)));
    }

    @Override
    NDArray derivative(NDArray x, NDArray y) {
      NDArray s = sigmoid(x);
      return s.add(x.mul(s).mul(s.neg().add(1)));
    }
  };

  /** Emits f for the value named {@code x}. */
  abstract String emit(OnnxGraph graph, String x);

  /** Emits the pointwise nonlinearity (Tanh, Relu, Elu, Softplus; SiLU as x·Sigmoid(x)). */
  @Override
  public OnnxTensor emit(OnnxGraph graph, OnnxTensor x) {
    return x.with(emit(graph, x.name()));
  }

  /** Emits f'(x), given the values named x and y = f(x). */
  abstract String emitDerivative(OnnxGraph graph, String x, String y);

  /** f'(x), given x and y = f(x). */
  abstract NDArray derivative(NDArray x, NDArray y);

  @Override
  public Jvp jvp(NDArray x, NDArray v) {
    NDArray y = forward(x);
    return new Jvp(y, v.mul(derivative(x, y)));
  }

  /** Emits f(x) and the tangents scaled by f'(x), broadcast over the tangent axis. */
  @Override
  public OnnxJvp emitJvp(OnnxGraph graph, OnnxTensor x, OnnxTensor tangents) {
    String y = emit(graph, x.name());
    String slope = graph.unsqueeze(emitDerivative(graph, x.name(), y), 1);
    return new OnnxJvp(x.with(y), tangents.with(graph.mul(tangents.name(), slope)));
  }

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
