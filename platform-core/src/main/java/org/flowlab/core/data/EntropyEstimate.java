package org.flowlab.core.data;

import java.util.SplittableRandom;

/**
 * A Monte Carlo estimate of a differential entropy, {@code H = −E[log p(X)]}, with its standard
 * error.
 *
 * @param value the estimate in nats
 * @param stdError the standard error of the estimate in nats
 * @param samples how many samples it used
 */
public record EntropyEstimate(double value, double stdError, int samples) {

  /**
   * Estimates {@code −E[log p(X)]} from {@code samples} draws of {@code density} with its own
   * closed-form log-density.
   *
   * @throws IllegalArgumentException if the density has no closed-form log-density
   */
  public static EntropyEstimate monteCarlo(ToyDensity density, SplittableRandom rng, int samples) {
    if (!density.hasLogDensity()) {
      throw new IllegalArgumentException(
          "dataset '" + density.name() + "' has no closed-form density");
    }
    if (samples < 2) {
      throw new IllegalArgumentException("samples must be >= 2, got " + samples);
    }
    final int chunk = 65_536;
    float[] buf = new float[2 * chunk];
    // Welford's running mean and variance of -log p.
    double mean = 0;
    double m2 = 0;
    int seen = 0;
    while (seen < samples) {
      int n = Math.min(chunk, samples - seen);
      density.sample(rng, buf, n);
      for (int i = 0; i < n; i++) {
        double v = -density.logDensity(buf[2 * i], buf[2 * i + 1]);
        seen++;
        double d = v - mean;
        mean += d / seen;
        m2 += d * (v - mean);
      }
    }
    double variance = m2 / (samples - 1);
    return new EntropyEstimate(mean, Math.sqrt(variance / samples), samples);
  }
}
