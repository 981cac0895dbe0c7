package org.flowlab.plugins.residual;

import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.ops.TensorOps;

/**
 * The network g of a residual block on images {@code (c, h, w)}: {@value #KERNEL}×{@value #KERNEL}
 * convolutions (stride 1, zero padding 1) with 1-Lipschitz activations between them, channel widths
 * {@code hidden} then back to c. The network itself is {@link LipschitzNet}'s one definition; this
 * class says that a layer is a convolution.
 *
 * <p>Lipschitz bound: each convolution is spectrally normalised as an operator on images of the
 * block's size ({@link ConvSpectralNorm}: power iteration with the convolution and its adjoint), so
 * Lip(conv) ≤ about c and Lip(g) ≤ c. (The simpler per-kernel-matrix bound, Lip(conv) ≤ k·‖W_{out ×
 * in·k·k}‖₂, holds too but is loose by up to a factor k, which left the blocks far weaker than c.)
 *
 * <p>Parameters (relative to the scope): {@code L.weight} (out, in, k, k), {@code L.bias} and the
 * power-iteration buffers {@code L.sn.u} (out·h·w), {@code L.sn.v} (in·h·w) for each layer L;
 * {@code act.L.beta} for LipSwish.
 */
final class LipschitzCnn extends LipschitzNet {
  /** The kernel size k. */
  static final int KERNEL = 3;

  /**
   * @param scope where the layers register their parameters
   * @param eventShape the image shape {@code (c, h, w)}
   * @param hidden the hidden channel widths
   * @param activation the nonlinearity's YAML name
   * @param coeff the block's Lipschitz bound c
   * @param powerIterations least power-iteration steps per training call
   */
  LipschitzCnn(
      ParameterScope scope,
      Shape eventShape,
      List<Integer> hidden,
      String activation,
      double coeff,
      int powerIterations) {
    super(scope);
    long h = eventShape.get(1);
    long w = eventShape.get(2);
    addLayers(
        scope,
        Math.toIntExact(eventShape.get(0)),
        hidden,
        activation,
        (out, in) -> new Shape(out, in, KERNEL, KERNEL),
        (sn, kernel) ->
            new ConvSpectralNorm(sn, kernel, h, w, coeff, powerIterations, 1e-5)::weight);
  }

  /**
   * A same-padded convolution; in ONNX, tangents {@code (N, k, c, h, w)} are folded into {@code
   * N·k} images for it.
   */
  @Override
  <T> T layer(TensorOps<T> ops, T x, T weight, T bias) {
    return ops.conv2d(x, weight, bias, KERNEL / 2);
  }
}
