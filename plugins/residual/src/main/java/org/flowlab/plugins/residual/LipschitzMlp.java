package org.flowlab.plugins.residual;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.flowlab.api.estimate.LinearOperator;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.Jvp;
import org.flowlab.api.nn.Layer;
import org.flowlab.api.nn.LipSwish;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.nn.SpectralNorm;

/**
 * The network g of a residual block: spectrally normalised linear layers with 1-Lipschitz
 * activations between them, so Lip(g) ≤ c^{layers}·1 ≤ c < 1.
 *
 * <p>Each call first fixes the normalised weights ({@link #weights}), so that a forward, its
 * log-det and an inverse's many evaluations of g all use one set. {@link #linearize} evaluates g
 * once and keeps the activations' derivatives, so each application of the Jacobian ({@code J·v},
 * the forward-mode JVP at the same point) costs only the tangent ops.
 *
 * <p>Parameters (relative to the scope): {@code L.weight}, {@code L.bias} and the power-iteration
 * buffers {@code L.sn.u}, {@code L.sn.v} for each linear layer L; {@code act.L.beta} for LipSwish.
 */
final class LipschitzMlp {
  private final List<NDArray> rawWeights = new ArrayList<>();
  private final List<NDArray> biases = new ArrayList<>();
  private final List<SpectralNorm> norms = new ArrayList<>();
  private final List<Layer> activations = new ArrayList<>();

  /** g(x) and its Jacobian at x. */
  record Linearization(NDArray value, LinearOperator jacobian) {}

  LipschitzMlp(
      ParameterScope scope,
      int dim,
      List<Integer> hidden,
      String activation,
      double coeff,
      int powerIterations) {
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
        activations.add(
            activation.equals("lipswish")
                ? new LipSwish(scope.child("act." + l))
                : Activation.named(activation));
      }
      width = out;
    }
  }

  /** The normalised weights for one call; {@code update} writes back the power iteration. */
  List<NDArray> weights(boolean update) {
    List<NDArray> out = new ArrayList<>(norms.size());
    for (SpectralNorm sn : norms) {
      out.add(sn.weight(update));
    }
    return out;
  }

  /** g(x) with the given normalised weights. */
  NDArray forward(NDArray x, List<NDArray> weights) {
    for (int l = 0; l < weights.size(); l++) {
      x = ai.djl.nn.core.Linear.linear(x, weights.get(l), biases.get(l)).singletonOrThrow();
      if (l < activations.size()) {
        x = activations.get(l).forward(x);
      }
    }
    return x;
  }

  /** g(x) and {@code v ↦ J_g(x)·v}, reusing the activations' derivatives at x. */
  Linearization linearize(NDArray x, List<NDArray> weights) {
    List<NDArray> slopes = new ArrayList<>(activations.size());
    for (int l = 0; l < weights.size(); l++) {
      x = ai.djl.nn.core.Linear.linear(x, weights.get(l), biases.get(l)).singletonOrThrow();
      if (l < activations.size()) {
        Layer act = activations.get(l);
        if (act == Activation.ELU) {
          // ELU' = exp(min(x, 0)), with a tensor zero: Activation.ELU's own derivative calls
          // minimum(Number), whose scalar DJL frees right after the op although autograd keeps it
          // for the backward pass (sporadic garbage gradients and crashes).
          slopes.add(x.minimum(x.zerosLike()).exp());
          x = act.forward(x);
        } else {
          Jvp step = act.jvp(x, x.onesLike());
          x = step.value();
          slopes.add(step.tangent());
        }
      }
    }
    List<NDArray> transposed = new ArrayList<>(weights.size());
    for (NDArray w : weights) {
      transposed.add(w.transpose());
    }
    LinearOperator jacobian =
        v -> {
          for (int l = 0; l < weights.size(); l++) {
            v = v.matMul(transposed.get(l));
            if (l < slopes.size()) {
              v = v.mul(slopes.get(l));
            }
          }
          return v;
        };
    return new Linearization(x, jacobian);
  }

  /** The spectral normalisers, first layer first. */
  List<SpectralNorm> norms() {
    return norms;
  }

  /** The unnormalised weights, first layer first. */
  List<NDArray> rawWeights() {
    return rawWeights;
  }
}
