package org.flowlab.core.data;

import java.util.OptionalDouble;
import java.util.SplittableRandom;

/**
 * A 2D toy density: a seeded sampler and, where known, its closed-form log-density and its true
 * differential entropy (the floor for a model's test NLL).
 *
 * <p>A labelled toy ({@link #contextDim()} &gt; 0, e.g. {@code 8gaussians} by {@code component})
 * draws each point with a one-hot label, the context of a conditional flow: rows {@code (x, y,
 * one-hot...)}; its {@link #logDensity(double, double, int)} is the true {@code log p(x, y |
 * label)} and its entropy the conditional one, {@code H(X | label)}.
 */
public interface ToyDensity {

  /** The dataset name, as used in configs (e.g. {@code "8gaussians"}). */
  String name();

  /**
   * Draws {@code n} points into {@code out[0 .. n·(2 + contextDim))}, row-major (x0, y0, x1, y1,
   * ... for a plain density; each row followed by its one-hot label for a labelled one). All
   * randomness comes from {@code rng}, so the same generator state gives the same points.
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

  /** Features of the one-hot label each point carries (a labelled toy); 0 for a plain one. */
  default int contextDim() {
    return 0;
  }

  /** The label name of a labelled toy ({@code data.condition}, e.g. {@code component}); null. */
  default String condition() {
    return null;
  }

  /**
   * A labelled toy's true {@code log p(x, y | label)}, label in {@code 0 .. contextDim − 1}; NaN
   * for a plain density.
   */
  default double logDensity(double x, double y, int label) {
    return Double.NaN;
  }
}
