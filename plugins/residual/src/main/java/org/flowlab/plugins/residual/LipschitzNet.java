package org.flowlab.plugins.residual;

import ai.djl.ndarray.NDArray;
import java.util.List;
import java.util.function.UnaryOperator;
import org.flowlab.api.estimate.LinearOperator;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxTensor;

/**
 * The network g of a residual block {@code y = x + g(x)}, with Lip(g) ≤ c < 1: spectrally
 * normalised layers and 1-Lipschitz activations. {@link LipschitzMlp} for vectors, {@link
 * LipschitzCnn} for images.
 *
 * <p>Each call first fixes the normalised weights ({@link #weights}), so that a forward, its
 * log-det and an inverse's many evaluations of g use one set; the ONNX emission writes exactly
 * those weights ({@code weights(false)}, what the JVM uses in evaluation and inverses).
 */
interface LipschitzNet {
  /** g(x) and its Jacobian at x, as a per-sample operator on tangents shaped like x. */
  record Linearization(NDArray value, LinearOperator jacobian) {}

  /**
   * An emitted g(x) and its Jacobian at x, applied to tangents {@code (N, k, event...)}.
   *
   * @param value g(x)
   * @param jacobian {@code T ↦ J·T} for k tangents per sample (a batch axis of 1 broadcasts)
   */
  record OnnxLinearization(OnnxTensor value, UnaryOperator<OnnxTensor> jacobian) {}

  /** The normalised weights for one call; {@code update} writes back the power iteration. */
  List<NDArray> weights(boolean update);

  /** The unnormalised weights (matrices or convolution kernels), first layer first. */
  List<NDArray> rawWeights();

  /** g(x) with the given normalised weights. */
  NDArray forward(NDArray x, List<NDArray> weights);

  /** g(x) and {@code v ↦ J_g(x)·v}, reusing the activations' derivatives at x. */
  Linearization linearize(NDArray x, List<NDArray> weights);

  /** Emits g(x) with the given normalised weights. */
  OnnxTensor emit(OnnxGraph graph, OnnxTensor x, List<NDArray> weights);

  /** Emits g(x) and keeps the activations' slopes, so each Jacobian application is cheap. */
  OnnxLinearization emitLinearize(OnnxGraph graph, OnnxTensor x, List<NDArray> weights);

  /**
   * The slope {@code f'(x)} of an activation as an emitted value of shape {@code (N, 1, event...)}:
   * the activation's own ONNX JVP applied to a single all-ones tangent.
   */
  static String emitSlope(OnnxGraph graph, Object activation, OnnxTensor preActivation) {
    int rank = preActivation.eventShape().dimension();
    long[] dims = new long[rank + 2];
    java.util.Arrays.fill(dims, 1);
    String ones = graph.constant("ones", new float[] {1f}, dims);
    ai.djl.ndarray.types.Shape tangentShape =
        new ai.djl.ndarray.types.Shape(1).addAll(preActivation.eventShape());
    return org.flowlab.api.onnx.OnnxJvpLayer.emitJvp(
            activation, graph, preActivation, new OnnxTensor(ones, tangentShape))
        .tangents()
        .name();
  }
}
