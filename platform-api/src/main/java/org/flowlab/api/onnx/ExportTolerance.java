package org.flowlab.api.onnx;

/**
 * How close an exported model's numbers must be to the JVM model's: the one definition the export
 * check (registry's {@code Parity}) and the conformance kit both use.
 *
 * <p>log p: {@value #LOG_PROB} nats, or {@value #LOG_PROB_RELATIVE} of the largest |log p| where
 * that is larger — above 1000 nats (images) a log p is a float32 sum over hundreds of dimensions,
 * and two runtimes that sum in a different order already differ by more than 1e-3 (measured: 1.2e-3
 * on a Fashion-MNIST RealNVP whose log p is about −1900, 6e-7 relative).
 *
 * <p>Samples: {@value #SAMPLE}, or {@value #SAMPLE_RELATIVE} of the largest |x| where that is
 * larger. A sample is a float32 value whose rounding step grows with its size: at |x| = 93 one ulp
 * is 7.6e-6, and a perturbed multi-scale RealNVP (the conformance kit's (2,4,4) actnorm config)
 * differs between ONNX Runtime and PyTorch by 1.4e-4 there (1.5e-6 relative, about 18 ulps) on some
 * CPUs, while an absolute 1e-4 is 13 ulps.
 */
public final class ExportTolerance {
  /** Largest accepted |Δ log p| (nats) for moderate log p. */
  public static final double LOG_PROB = 1e-3;

  /** Largest accepted |Δ log p| relative to the largest |log p|, where that bound is larger. */
  public static final double LOG_PROB_RELATIVE = 1e-6;

  /** Largest accepted |Δ x| of a sample of moderate size. */
  public static final double SAMPLE = 1e-4;

  /** Largest accepted |Δ x| relative to the largest |x|, where that bound is larger. */
  public static final double SAMPLE_RELATIVE = 1e-5;

  private ExportTolerance() {}

  /** The accepted |Δ log p| for the JVM's values {@code logProb}. */
  public static double logProb(float[] logProb) {
    return Math.max(LOG_PROB, LOG_PROB_RELATIVE * largestAbs(logProb));
  }

  /** The accepted |Δ x| for the JVM's samples {@code x}. */
  public static double sample(float[] x) {
    return Math.max(SAMPLE, SAMPLE_RELATIVE * largestAbs(x));
  }

  private static double largestAbs(float[] values) {
    double largest = 0;
    for (float v : values) {
      largest = Math.max(largest, Math.abs(v));
    }
    return largest;
  }
}
