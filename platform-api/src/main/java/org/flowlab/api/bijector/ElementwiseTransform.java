package org.flowlab.api.bijector;

import ai.djl.ndarray.types.Shape;
import org.flowlab.api.ops.Mapped;
import org.flowlab.api.ops.TensorOps;

/**
 * An invertible scalar map applied to every element of a tensor, each element with its own
 * parameters θ that a conditioner computes: a {@link Coupling} from the features it keeps, an
 * autoregressive step from the features before each one. Shifts ({@link AdditiveTransform}, NICE),
 * affine maps ({@link AffineTransform}: MAF, IAF, RealNVP, Glow) and rational-quadratic splines
 * (neural spline flows) are the kinds; the conditioner and the transform are chosen independently.
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

  /**
   * {@code y = τ(x; θ)} and the per-sample {@code Σ log|∂y/∂x|}, with θ as a coupling's conditioner
   * outputs it: the P blocks one after another on axis 1, {@code stacked} of shape {@code (N, P·c,
   * rest...)} for {@code x} of shape {@code (N, c, rest...)}. The default reshapes θ to {@code (N,
   * P, c, rest...)} for {@link #forward}; a transform whose blocks are plain slices overrides it to
   * split once (no reshape on the training path).
   *
   * @param changedShape the event shape of {@code x}, {@code (c, rest...)}
   */
  default <T> Mapped<T> forwardStacked(TensorOps<T> ops, T x, T stacked, Shape changedShape) {
    Mapped<T> r = forward(ops, x, ops.reshape(stacked, blockedShape(changedShape)));
    return new Mapped<>(r.value(), ops.sumAfter(r.logDet(), 1));
  }

  /** {@code x = τ⁻¹(y; θ)} with θ stacked as in {@link #forwardStacked}. */
  default <T> T inverseStacked(TensorOps<T> ops, T y, T stacked, Shape changedShape) {
    return inverse(ops, y, ops.reshape(stacked, blockedShape(changedShape))).value();
  }

  /** {@code (−1, P, changedShape...)}: the layout {@link #forward} reads. */
  private Shape blockedShape(Shape changedShape) {
    return new Shape(-1, paramsPerElement()).addAll(changedShape);
  }
}
