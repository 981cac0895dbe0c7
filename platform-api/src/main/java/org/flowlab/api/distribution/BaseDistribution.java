package org.flowlab.api.distribution;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;

/** A flow's base (latent) distribution, factorised over every non-batch axis. */
public interface BaseDistribution {
  /** Per-sample log-density of a latent batch, summed over all non-batch axes; shape (batch). */
  NDArray logProb(NDArray z);

  /**
   * Draws {@code n} latents of {@code eventShape}; {@code temperature} scales the spread (1 = the
   * distribution itself, 0 = its mode).
   */
  NDArray sample(
      NDManager manager, Shape eventShape, int n, double temperature, SplittableRandom rng);

  /** The distribution named in YAML: {@code normal} or {@code logistic}. */
  static BaseDistribution named(String name) {
    return switch (name) {
      case "normal" -> new StandardNormal();
      case "logistic" -> new StandardLogistic();
      default -> throw new IllegalArgumentException("unknown base distribution " + name);
    };
  }
}
