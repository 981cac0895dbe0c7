package org.flowlab.api.bijector;

import ai.djl.ndarray.NDArray;
import org.flowlab.api.nn.EagerOps;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.ops.Mapped;
import org.flowlab.api.ops.OnnxOps;
import org.flowlab.api.ops.TensorOps;
import org.flowlab.api.ops.Traced;

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
   * {@code y = τ(x; θ)} and {@code log|∂y/∂x|} per element, both shaped like {@code x}, in the
   * interpretation {@code ops}: the one definition the JVM pass and the ONNX emission run.
   *
   * @param x a batch, shape {@code (N, event...)}
   * @param params shape {@code (N, P, event...)}
   */
  <T> Mapped<T> forward(TensorOps<T> ops, T x, T params);

  /**
   * {@code x = τ⁻¹(y; θ)} and {@code log|∂x/∂y|} per element, in the interpretation {@code ops}.
   */
  <T> Mapped<T> inverse(TensorOps<T> ops, T y, T params);

  /** {@link #forward(TensorOps, Object, Object)} eagerly. */
  default Result forward(NDArray x, NDArray params) {
    Mapped<NDArray> y = forward(EagerOps.FLOAT32, x, params);
    return new Result(y.value(), y.logDet());
  }

  /** {@link #inverse(TensorOps, Object, Object)} eagerly. */
  default Result inverse(NDArray y, NDArray params) {
    Mapped<NDArray> x = inverse(EagerOps.FLOAT32, y, params);
    return new Result(x.value(), x.logDet());
  }

  /**
   * Emits {@link #forward}: the definition recorded into the graph. Values come as names without
   * shapes, so a definition uses elementwise ops, split, slice, concat and sums along an axis.
   *
   * @param x the name of a batch, shape {@code (N, event...)}
   * @param params the name of the parameters, shape {@code (N, P, event...)}
   */
  default Emitted emitForward(OnnxGraph graph, String x, String params) {
    Mapped<Traced> y = forward(new OnnxOps(graph), Traced.named(x), Traced.named(params));
    return new Emitted(y.value().name(), y.logDet().name());
  }

  /** Emits {@link #inverse}. */
  default Emitted emitInverse(OnnxGraph graph, String y, String params) {
    Mapped<Traced> x = inverse(new OnnxOps(graph), Traced.named(y), Traced.named(params));
    return new Emitted(x.value().name(), x.logDet().name());
  }

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
