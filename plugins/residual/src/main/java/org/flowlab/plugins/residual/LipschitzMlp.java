package org.flowlab.plugins.residual;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.flowlab.api.estimate.LinearOperator;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.Autocast;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.Jvp;
import org.flowlab.api.nn.Layer;
import org.flowlab.api.nn.LipSwish;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.nn.SpectralNorm;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxLayer;
import org.flowlab.api.onnx.OnnxTensor;

/**
 * The network g of a residual block on vectors: spectrally normalised linear layers with
 * 1-Lipschitz activations between them, so Lip(g) ≤ c^{layers}·1 ≤ c < 1.
 *
 * <p>Each call first fixes the normalised weights ({@link #weights}), so that a forward, its
 * log-det and an inverse's many evaluations of g all use one set. {@link #linearize} evaluates g
 * once and keeps the activations' derivatives, so each application of the Jacobian ({@code J·v},
 * the forward-mode JVP at the same point) costs only the tangent ops; {@link #emitLinearize} does
 * the same in ONNX.
 *
 * <p>Parameters (relative to the scope): {@code L.weight}, {@code L.bias} and the power-iteration
 * buffers {@code L.sn.u}, {@code L.sn.v} for each linear layer L; {@code act.L.beta} for LipSwish.
 */
final class LipschitzMlp implements LipschitzNet {
  private final List<NDArray> rawWeights = new ArrayList<>();
  private final List<NDArray> biases = new ArrayList<>();
  private final List<SpectralNorm> norms = new ArrayList<>();
  private final List<Layer> activations = new ArrayList<>();
  private final Autocast autocast;

  LipschitzMlp(
      ParameterScope scope,
      int dim,
      List<Integer> hidden,
      String activation,
      double coeff,
      int powerIterations) {
    this.autocast = scope.autocast();
    int width = dim;
    List<Integer> widths = new ArrayList<>(hidden);
    widths.add(dim);
    for (int l = 0; l < widths.size(); l++) {
      int out = widths.get(l);
      ParameterScope layer = scope.child(Integer.toString(l));
      Initializer init = Initializer.uniform(1.0 / Math.sqrt(width));
      NDArray w = layer.trainable("weight", new Shape(out, width), init);
      rawWeights.add(w);
      biases.add(layer.trainable("bias", new Shape(out), init));
      norms.add(new SpectralNorm(layer.child("sn"), w, coeff, powerIterations, 1e-5));
      if (l < widths.size() - 1) {
        activations.add(activation(scope, activation, l));
      }
      width = out;
    }
  }

  /** The activation named {@code name} after layer {@code l} (LipSwish owns {@code act.L.beta}). */
  static Layer activation(ParameterScope scope, String name, int l) {
    return name.equals("lipswish") ? new LipSwish(scope.child("act." + l)) : Activation.named(name);
  }

  /** An activation's value and pointwise slope at x (the slope as the JVP's tangent). */
  static Jvp slope(Layer act, NDArray x) {
    if (act == Activation.ELU) {
      // ELU' = exp(min(x, 0)), with a tensor zero: Activation.ELU's own derivative calls
      // minimum(Number), whose scalar DJL frees right after the op although autograd keeps it
      // for the backward pass (sporadic garbage gradients and crashes).
      return new Jvp(act.forward(x), x.minimum(x.zerosLike()).exp());
    }
    return act.jvp(x, x.onesLike());
  }

  @Override
  public List<NDArray> weights(boolean update) {
    List<NDArray> out = new ArrayList<>(norms.size());
    for (SpectralNorm sn : norms) {
      out.add(sn.weight(update));
    }
    return out;
  }

  @Override
  public NDArray forward(NDArray x, List<NDArray> weights) {
    for (int l = 0; l < weights.size(); l++) {
      x = autocast.linear(x, weights.get(l), biases.get(l));
      if (l < activations.size()) {
        x = activations.get(l).forward(x);
      }
    }
    return x;
  }

  @Override
  public Linearization linearize(NDArray x, List<NDArray> weights) {
    List<NDArray> slopes = new ArrayList<>(activations.size());
    for (int l = 0; l < weights.size(); l++) {
      x = autocast.linear(x, weights.get(l), biases.get(l));
      if (l < activations.size()) {
        Jvp step = slope(activations.get(l), x);
        x = step.value();
        slopes.add(step.tangent());
      }
    }
    List<NDArray> transposed = new ArrayList<>(weights.size());
    for (NDArray w : weights) {
      transposed.add(w.transpose());
    }
    LinearOperator jacobian =
        v -> {
          for (int l = 0; l < weights.size(); l++) {
            v = autocast.matMul(v, transposed.get(l));
            if (l < slopes.size()) {
              v = v.mul(slopes.get(l));
            }
          }
          return v;
        };
    return new Linearization(x, jacobian);
  }

  /** Emits {@code x·Wᵀ + b} (Gemm) and the activations, layer by layer. */
  @Override
  public OnnxTensor emit(OnnxGraph graph, OnnxTensor x, List<NDArray> weights) {
    for (int l = 0; l < weights.size(); l++) {
      x = affine(graph, x, weights.get(l), l);
      if (l < activations.size()) {
        x = OnnxLayer.emit(activations.get(l), graph, x);
      }
    }
    return x;
  }

  /**
   * Emits g(x), keeping each activation's slope {@code (N, 1, h)}; the Jacobian multiplies the
   * tangents {@code (N, k, d)} by each {@code Wᵀ} and slope in turn.
   */
  @Override
  public OnnxLinearization emitLinearize(OnnxGraph graph, OnnxTensor x, List<NDArray> weights) {
    List<String> slopes = new ArrayList<>();
    List<String> transposed = new ArrayList<>();
    for (int l = 0; l < weights.size(); l++) {
      x = affine(graph, x, weights.get(l), l);
      transposed.add(graph.transpose(graph.initializer(weightName(l), weights.get(l)), 1, 0));
      if (l < activations.size()) {
        slopes.add(LipschitzNet.emitSlope(graph, activations.get(l), x));
        x = OnnxLayer.emit(activations.get(l), graph, x);
      }
    }
    return new OnnxLinearization(
        x,
        t -> {
          String v = t.name();
          for (int l = 0; l < transposed.size(); l++) {
            v = graph.matMul(v, transposed.get(l));
            if (l < slopes.size()) {
              v = graph.mul(v, slopes.get(l));
            }
          }
          return t.with(v);
        });
  }

  private OnnxTensor affine(OnnxGraph graph, OnnxTensor x, NDArray weight, int l) {
    String w = graph.initializer(weightName(l), weight);
    String b = graph.initializer("bias", biases.get(l));
    return new OnnxTensor(graph.gemm(x.name(), w, b, true), new Shape(weight.getShape().get(0)));
  }

  private String weightName(int l) {
    String raw = rawWeights.get(l).getName();
    return (raw == null ? "weight" : raw) + ".normalized";
  }

  /** The spectral normalisers, first layer first. */
  List<SpectralNorm> norms() {
    return norms;
  }

  @Override
  public List<NDArray> rawWeights() {
    return rawWeights;
  }
}
