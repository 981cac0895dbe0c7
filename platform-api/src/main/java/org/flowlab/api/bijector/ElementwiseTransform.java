package org.flowlab.api.bijector;

import ai.djl.ndarray.NDArray;
import org.flowlab.api.onnx.OnnxGraph;

/**
 * An invertible scalar map applied to every element of a tensor, each element with its own
 * parameters θ that a conditioner computes: a coupling from the features it keeps, an
 * autoregressive step from the features before each one. Affine maps (MAF, IAF, RealNVP) and
 * rational-quadratic splines (neural spline flows) are the two kinds; the conditioner and the
 * transform are chosen independently.
 *
 * <p>Direction: {@link #forward} is data → latent. Parameters come as one tensor of shape {@code
 * (N, P, event...)}, {@code P = paramsPerElement()}: block {@code p} holds parameter {@code p} of
 * every element, which is what a {@code org.flowlab.api.nn.Made} with {@code paramsPerInput = P}
 * outputs once reshaped to {@code (N, P, d)}. They are unconstrained: the transform maps them to
 * valid values (a positive scale, positive bin widths).
 */
public interface ElementwiseTransform {
  /** The number P of conditioner outputs each element needs. */
  int paramsPerElement();

  /**
   * {@code y = τ(x; θ)} and {@code log|∂y/∂x|}, both shaped like {@code x}.
   *
   * @param x a batch, shape {@code (N, event...)}
   * @param params shape {@code (N, P, event...)}
   */
  Result forward(NDArray x, NDArray params);

  /** {@code x = τ⁻¹(y; θ)} and {@code log|∂x/∂y|}, both shaped like {@code y}. */
  Result inverse(NDArray y, NDArray params);

  /**
   * Emits {@link #forward}: the same formulas in ONNX ops.
   *
   * @param x the name of a batch, shape {@code (N, event...)}
   * @param params the name of the parameters, shape {@code (N, P, event...)}
   */
  Emitted emitForward(OnnxGraph graph, String x, String params);

  /** Emits {@link #inverse}. */
  Emitted emitInverse(OnnxGraph graph, String y, String params);

  /**
   * The mapped tensor and the elementwise log-derivative.
   *
   * @param value the result, shaped like the input
   * @param logAbsDet {@code log|τ'|} per element, shaped like the input
   */
  record Result(NDArray value, NDArray logAbsDet) {}

  /** {@link Result}'s counterpart in an ONNX graph: the names of the two values. */
  record Emitted(String value, String logAbsDet) {}
}
