package org.flowlab.api.bijector;

import org.flowlab.api.ops.Mapped;
import org.flowlab.api.ops.TensorOps;

/**
 * The logit preprocessing of image data (RealNVP): forward (data → latent) {@code z = logit(α +
 * (1−α)·x)} for x in [0, 1), so that a flow models an unbounded variable. Its log-det {@code Σ
 * [log(1−α) − log y − log(1−y)]} with {@code y = α + (1−α)·x} counts in the density, which is
 * therefore the density of x.
 */
public final class Logit implements DefinedBijector {
  private final double alpha;

  /**
   * @param alpha the margin that keeps y away from 0 and 1, in [0, 1); RealNVP uses 0.05
   */
  public Logit(double alpha) {
    if (!(alpha >= 0 && alpha < 1)) {
      throw new IllegalArgumentException("alpha must be in [0, 1), got " + alpha);
    }
    this.alpha = alpha;
  }

  @Override
  public <T> Mapped<T> forward(TensorOps<T> ops, T x) {
    T y = ops.addScalar(ops.mulScalar(x, 1 - alpha), alpha);
    T logY = ops.log(y);
    T log1mY = ops.log(ops.addScalar(ops.neg(y), 1));
    T perElement = ops.addScalar(ops.neg(ops.add(logY, log1mY)), Math.log(1 - alpha));
    return new Mapped<>(ops.sub(logY, log1mY), ops.sumAfter(perElement, 1));
  }

  @Override
  public <T> T inverse(TensorOps<T> ops, T z) {
    return ops.mulScalar(ops.addScalar(ops.sigmoid(z), -alpha), 1 / (1 - alpha));
  }

  /** The margin α. */
  public double alpha() {
    return alpha;
  }
}
