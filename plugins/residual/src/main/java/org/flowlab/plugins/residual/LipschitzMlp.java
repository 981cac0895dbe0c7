package org.flowlab.plugins.residual;

import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.nn.SpectralNorm;
import org.flowlab.api.ops.TensorOps;

/**
 * The network g of a residual block on vectors: spectrally normalised linear layers with
 * 1-Lipschitz activations between them, so Lip(g) ≤ c^{layers}·1 ≤ c < 1. The network itself is
 * {@link LipschitzNet}'s one definition; this class says that a layer is {@code x·Wᵀ + b}.
 *
 * <p>Parameters (relative to the scope): {@code L.weight}, {@code L.bias} and the power-iteration
 * buffers {@code L.sn.u}, {@code L.sn.v} for each linear layer L; {@code act.L.beta} for LipSwish.
 */
final class LipschitzMlp extends LipschitzNet {
  LipschitzMlp(
      ParameterScope scope,
      int dim,
      List<Integer> hidden,
      String activation,
      double coeff,
      int powerIterations) {
    super(scope);
    addLayers(
        scope,
        dim,
        hidden,
        activation,
        (out, in) -> new Shape(out, in),
        (sn, w) -> new SpectralNorm(sn, w, coeff, powerIterations, 1e-5)::weight);
  }

  /** {@code x·Wᵀ + b} (one Gemm in ONNX for a batch of vectors with a bias). */
  @Override
  <T> T layer(TensorOps<T> ops, T x, T weight, T bias) {
    return ops.linear(x, weight, bias);
  }
}
