package org.flowlab.api.bijector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.ops.Mapped;
import org.flowlab.api.ops.TensorOps;

/**
 * The elementwise affine map, with two parameters per element (P = 2): a shift m and an
 * unconstrained scale s, block 0 and block 1 ({@link #scaleFirst} swaps them). The forms differ in
 * how s is bounded and where the shift applies:
 *
 * <ul>
 *   <li>{@link #softClamped} (MAF, RealNVP): forward {@code y = x·exp(ŝ) + m} with the log-scale
 *       bounded by a soft clamp {@code ŝ = B·tanh(s/B)}, log-derivative {@code ŝ}; inverse {@code x
 *       = (y − m)·exp(−ŝ)}. At s = m = 0 it is the identity.
 *   <li>{@link #learnedBound} (RealNVP's {@code scale_factor}): the same map with {@code ŝ =
 *       f·tanh(s)}, f a learned per-feature bound.
 *   <li>{@link #gated}: Kingma et al. (2016)'s numerically stable IAF update, forward {@code y =
 *       σ·x + (1 − σ)·m} with {@code σ = sigmoid(s + 2)}, log-derivative {@code log σ}; inverse
 *       {@code x = m + (y − m)/σ}. The offset of +2 is the paper's advice to start σ near 1 (0.88
 *       at s = 0).
 *   <li>{@link #sigmoidScaled} (Glow's coupling): {@code y = (x + m)·σ}, {@code σ = sigmoid(s +
 *       2)}, log-derivative {@code log σ}; inverse {@code x = y/σ − m}.
 *   <li>{@link #standardizing} (a conditional Gaussian, Glow's learned split prior): m and s are
 *       the mean μ and log σ, {@code y = (x − μ)·exp(−log σ)}, log-derivative {@code −log σ}; y is
 *       standard normal exactly when x is {@code N(μ, σ²)}.
 * </ul>
 */
public final class AffineTransform implements ElementwiseTransform {
  /** The offset added to s before the gate's sigmoid. */
  public static final double GATE_OFFSET = 2.0;

  private enum Form {
    SOFT_CLAMP,
    LEARNED_BOUND,
    GATE,
    SIGMOID,
    STANDARDIZE
  }

  private final Form form;
  private final double bound;
  private final NDArray factor;
  private final boolean scaleFirst;

  private AffineTransform(Form form, double bound, NDArray factor, boolean scaleFirst) {
    this.form = form;
    this.bound = bound;
    this.factor = factor;
    this.scaleFirst = scaleFirst;
  }

  /**
   * {@code y = x·exp(ŝ) + m}, {@code ŝ = bound·tanh(s/bound)}.
   *
   * @param bound the largest |log-scale| per element, &gt; 0 (3 allows a factor of 20 per step)
   */
  public static AffineTransform softClamped(double bound) {
    if (!(bound > 0) || Double.isInfinite(bound)) {
      throw new IllegalArgumentException("the log-scale bound must be positive, got " + bound);
    }
    return new AffineTransform(Form.SOFT_CLAMP, bound, null, false);
  }

  /**
   * {@code y = x·exp(ŝ) + m}, {@code ŝ = factor·tanh(s)}.
   *
   * @param factor the learned bound, a trainable array its owner registered, broadcast against s
   *     (one per changed feature: shape {@code (c)} for vectors, {@code (c, 1, 1)} for images)
   */
  public static AffineTransform learnedBound(NDArray factor) {
    return new AffineTransform(Form.LEARNED_BOUND, Double.NaN, factor, false);
  }

  /** The gated update {@code y = σ·x + (1 − σ)·m}, {@code σ = sigmoid(s + 2)}. */
  public static AffineTransform gated() {
    return new AffineTransform(Form.GATE, Double.NaN, null, false);
  }

  /**
   * Glow's {@code y = (x + m)·σ}, {@code σ = sigmoid(s + 2)}, with {@code log σ} taken directly:
   * fewer ops than a stable log-sigmoid, and it only underflows for s &lt; −85.
   */
  public static AffineTransform sigmoidScaled() {
    return new AffineTransform(Form.SIGMOID, Double.NaN, null, false);
  }

  /** {@code y = (x − μ)·exp(−log σ)} with block 0 the mean μ and block 1 log σ. */
  public static AffineTransform standardizing() {
    return new AffineTransform(Form.STANDARDIZE, Double.NaN, null, false);
  }

  /** This map with the blocks read in the order (s, m): RealNVP's conditioners output s first. */
  public AffineTransform scaleFirst() {
    return new AffineTransform(form, bound, factor, true);
  }

  /** Whether this is the gated form. */
  public boolean isGated() {
    return form == Form.GATE;
  }

  @Override
  public int paramsPerElement() {
    return 2;
  }

  @Override
  public <T> Mapped<T> forward(TensorOps<T> ops, T x, T params) {
    return map(ops, x, ops.blocks(params, 1, 2));
  }

  @Override
  public <T> Mapped<T> inverse(TensorOps<T> ops, T y, T params) {
    return unmap(ops, y, ops.blocks(params, 1, 2), true);
  }

  /** Splits the stacked blocks once along axis 1: no reshape. */
  @Override
  public <T> Mapped<T> forwardStacked(TensorOps<T> ops, T x, T stacked, Shape changedShape) {
    Mapped<T> r = map(ops, x, ops.split(stacked, 1, new long[] {changedShape.get(0)}));
    return new Mapped<>(r.value(), ops.sumAfter(r.logDet(), 1));
  }

  @Override
  public <T> T inverseStacked(TensorOps<T> ops, T y, T stacked, Shape changedShape) {
    return unmap(ops, y, ops.split(stacked, 1, new long[] {changedShape.get(0)}), false).value();
  }

  /** {@code y} and the log-derivative per element, from the blocks (m, s) or (s, m). */
  private <T> Mapped<T> map(TensorOps<T> ops, T x, List<T> blocks) {
    T m = blocks.get(scaleFirst ? 1 : 0);
    T s = blocks.get(scaleFirst ? 0 : 1);
    switch (form) {
      case GATE -> {
        T gate = ops.addScalar(s, GATE_OFFSET);
        T y = ops.add(m, ops.mul(ops.sub(x, m), ops.sigmoid(gate)));
        return new Mapped<>(y, ops.neg(ops.softplus(ops.neg(gate))));
      }
      case SIGMOID -> {
        T scale = ops.sigmoid(ops.addScalar(s, GATE_OFFSET));
        return new Mapped<>(ops.mul(ops.add(x, m), scale), ops.log(scale));
      }
      case STANDARDIZE -> {
        T logScale = ops.neg(s);
        return new Mapped<>(ops.mul(ops.sub(x, m), ops.exp(logScale)), logScale);
      }
      default -> {
        T logScale = bounded(ops, s);
        return new Mapped<>(ops.add(ops.mul(x, ops.exp(logScale)), m), logScale);
      }
    }
  }

  /** {@code x} and, when asked, the inverse's log-derivative per element (else null). */
  private <T> Mapped<T> unmap(TensorOps<T> ops, T y, List<T> blocks, boolean logDet) {
    T m = blocks.get(scaleFirst ? 1 : 0);
    T s = blocks.get(scaleFirst ? 0 : 1);
    switch (form) {
      case GATE -> {
        T gate = ops.addScalar(s, GATE_OFFSET);
        T x = ops.add(m, ops.div(ops.sub(y, m), ops.sigmoid(gate)));
        return new Mapped<>(x, logDet ? ops.softplus(ops.neg(gate)) : null);
      }
      case SIGMOID -> {
        T scale = ops.sigmoid(ops.addScalar(s, GATE_OFFSET));
        T x = ops.sub(ops.div(y, scale), m);
        return new Mapped<>(x, logDet ? ops.neg(ops.log(scale)) : null);
      }
      case STANDARDIZE -> {
        T x = ops.add(ops.div(y, ops.exp(ops.neg(s))), m);
        return new Mapped<>(x, logDet ? s : null);
      }
      default -> {
        T logScale = bounded(ops, s);
        T x = ops.mul(ops.sub(y, m), ops.exp(ops.neg(logScale)));
        return new Mapped<>(x, logDet ? ops.neg(logScale) : null);
      }
    }
  }

  /** {@code ŝ}: {@code bound·tanh(s/bound)} or {@code tanh(s)·factor}. */
  private <T> T bounded(TensorOps<T> ops, T s) {
    if (form == Form.LEARNED_BOUND) {
      return ops.mul(ops.tanh(s), ops.parameter(factor));
    }
    return ops.mulScalar(ops.tanh(ops.mulScalar(s, 1 / bound)), bound);
  }
}
