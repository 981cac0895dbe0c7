package org.flowlab.api.bijector;

import java.util.List;
import org.flowlab.api.ops.Mapped;
import org.flowlab.api.ops.TensorOps;

/**
 * The elementwise affine map of MAF and IAF, with two parameters per element (P = 2): block 0 is
 * the shift m, block 1 the unconstrained scale s. Two forms:
 *
 * <ul>
 *   <li>{@link #softClamped}: forward {@code y = x·exp(ŝ) + m} with the log-scale bounded by a soft
 *       clamp {@code ŝ = B·tanh(s/B)}, log-derivative {@code ŝ}; inverse {@code x = (y −
 *       m)·exp(−ŝ)}. At s = m = 0 it is the identity.
 *   <li>{@link #gated}: Kingma et al. (2016)'s numerically stable IAF update, forward {@code y =
 *       σ·x + (1 − σ)·m} with {@code σ = sigmoid(s + 2)}, log-derivative {@code log σ}; inverse
 *       {@code x = m + (y − m)/σ}. The offset of +2 is the paper's advice to start σ near 1 (0.88
 *       at s = 0).
 * </ul>
 */
public final class AffineTransform implements ElementwiseTransform {
  /** The offset added to s before the gate's sigmoid. */
  public static final double GATE_OFFSET = 2.0;

  private final boolean gated;
  private final double bound;

  private AffineTransform(boolean gated, double bound) {
    this.gated = gated;
    this.bound = bound;
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
    return new AffineTransform(false, bound);
  }

  /** The gated update {@code y = σ·x + (1 − σ)·m}, {@code σ = sigmoid(s + 2)}. */
  public static AffineTransform gated() {
    return new AffineTransform(true, Double.NaN);
  }

  /** Whether this is the gated form. */
  public boolean isGated() {
    return gated;
  }

  @Override
  public int paramsPerElement() {
    return 2;
  }

  @Override
  public <T> Mapped<T> forward(TensorOps<T> ops, T x, T params) {
    List<T> ms = ops.blocks(params, 1, 2);
    T m = ms.get(0);
    if (gated) {
      T gate = ops.addScalar(ms.get(1), GATE_OFFSET);
      T y = ops.add(m, ops.mul(ops.sub(x, m), ops.sigmoid(gate)));
      return new Mapped<>(y, ops.neg(ops.softplus(ops.neg(gate))));
    }
    T logScale = clamp(ops, ms.get(1));
    return new Mapped<>(ops.add(ops.mul(x, ops.exp(logScale)), m), logScale);
  }

  @Override
  public <T> Mapped<T> inverse(TensorOps<T> ops, T y, T params) {
    List<T> ms = ops.blocks(params, 1, 2);
    T m = ms.get(0);
    if (gated) {
      T gate = ops.addScalar(ms.get(1), GATE_OFFSET);
      T x = ops.add(m, ops.div(ops.sub(y, m), ops.sigmoid(gate)));
      return new Mapped<>(x, ops.softplus(ops.neg(gate)));
    }
    T logScale = clamp(ops, ms.get(1));
    return new Mapped<>(ops.mul(ops.sub(y, m), ops.exp(ops.neg(logScale))), ops.neg(logScale));
  }

  /** {@code bound·tanh(s/bound)}. */
  private <T> T clamp(TensorOps<T> ops, T s) {
    return ops.mulScalar(ops.tanh(ops.mulScalar(s, 1 / bound)), bound);
  }
}
