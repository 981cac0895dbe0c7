package org.flowlab.api.bijector;

import ai.djl.ndarray.NDArray;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;

/**
 * The logit preprocessing of image data (RealNVP): forward (data → latent) {@code z = logit(α +
 * (1−α)·x)} for x in [0, 1), so that a flow models an unbounded variable. Its log-det {@code Σ
 * [log(1−α) − log y − log(1−y)]} with {@code y = α + (1−α)·x} counts in the density, which is
 * therefore the density of x.
 */
public final class Logit implements Bijector {
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
  public Transformed forward(NDArray x, LogDetMode mode) {
    NDArray y = x.mul(1 - alpha).add(alpha);
    NDArray logY = y.log();
    NDArray log1mY = y.neg().add(1).log();
    long n = x.getShape().get(0);
    long d = x.getShape().size() / n;
    NDArray logDet =
        logY.add(log1mY).neg().reshape(n, d).sum(new int[] {1}).add(d * Math.log(1 - alpha));
    return new Transformed(logY.sub(log1mY), logDet, LogDetMode.EXACT);
  }

  @Override
  public NDArray inverse(NDArray z) {
    return org.flowlab.api.nn.Activation.sigmoid(z).sub(alpha).div(1 - alpha);
  }

  /** The margin α. */
  public double alpha() {
    return alpha;
  }
}
