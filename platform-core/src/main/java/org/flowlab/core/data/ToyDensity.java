package org.flowlab.core.data;

import java.util.OptionalDouble;
import java.util.SplittableRandom;

/**
 * A 2D toy density: a seeded sampler and, where known, its closed-form log-density and its true
 * differential entropy (the floor for a model's test NLL).
 */
public interface ToyDensity {

  /** The dataset name, as used in configs (e.g. {@code "8gaussians"}). */
  String name();

  /**
   * Draws {@code n} points into {@code out[0 .. 2n)}, row-major {@code n × 2} (x0, y0, x1, y1,
   * ...). All randomness comes from {@code rng}, so the same generator state gives the same points.
   */
  void sample(SplittableRandom rng, float[] out, int n);

  /** The differential entropy in nats, when known exactly or to a stated Monte Carlo error. */
  OptionalDouble entropy();

  /**
   * The standard error of {@link #entropy()} when it is a Monte Carlo estimate; 0 when exact; NaN
   * when the entropy is unknown.
   */
  default double entropyStdError() {
    return entropy().isPresent() ? 0.0 : Double.NaN;
  }

  /** Whether {@link #logDensity(double, double)} is available in closed form. */
  default boolean hasLogDensity() {
    return false;
  }

  /**
   * The natural log of the true density at (x, y): {@code -Infinity} off the support, {@code NaN}
   * when this density has no closed form (see {@link #hasLogDensity()}).
   */
  default double logDensity(double x, double y) {
    return Double.NaN;
  }
}
