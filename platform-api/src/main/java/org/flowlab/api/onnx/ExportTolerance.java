package org.flowlab.api.onnx;

/**
 * How close an exported model's numbers must be to the JVM model's: the one definition the export
 * check (registry's {@code Parity}) and the conformance kit both use.
 *
 * <p>log p: {@code max|Δ log p| ≤ atol + rtol·max|log p|} (numpy's {@code allclose} form) with
 * {@code atol} = {@value #LOG_PROB} nats and {@code rtol} = 16 float32 epsilons (2⁻¹⁹ ≈ 1.9e-6). A
 * log p is a float32 sum of hundreds of terms (a log-det per layer and value, the prior's), and two
 * runtimes compute each term with their own kernels and add them in their own order, so they differ
 * by a few epsilons of what is summed; the absolute part covers moderate log p, and is all of the
 * bound near 0. Measured on the conformance kit's {@code realnvp[actnorm-normal]} at event shape
 * (1,4,4), perturbed, ONNX Runtime against PyTorch over 24 seeds: |log p| up to 11,400, 9 seeds
 * above an absolute 1e-3, and the part of max|Δ log p| above {@code atol} at most 11.1 epsilons of
 * the batch's largest |log p| (1.6e-2 at 11,446); 16 leave 1.4× headroom. The relative part uses
 * the batch's largest |log p|, not each point's: a point whose terms cancel has a small log p but
 * the rounding of large terms (in the same sweep, 3.5e-3 at log p −594, 35 epsilons of its own |log
 * p| beyond {@code atol}, in a batch reaching 9,411).
 *
 * <p>Samples: {@value #SAMPLE}, or {@value #SAMPLE_RELATIVE} of the largest |x| where that is
 * larger. A sample is a float32 value whose rounding step grows with its size: at |x| = 93 one ulp
 * is 7.6e-6, and a perturbed multi-scale RealNVP (the conformance kit's (2,4,4) actnorm config)
 * differs between ONNX Runtime and PyTorch by 1.4e-4 there (1.5e-6 relative, about 18 ulps) on some
 * CPUs, while an absolute 1e-4 is 13 ulps.
 */
public final class ExportTolerance {
  /** The gap between 1 and the next float32, 2⁻²³ (numpy's {@code finfo(float32).eps}). */
  public static final double FLOAT32_EPSILON = 0x1p-23;

  /** The absolute part of the accepted |Δ log p| (nats): all of it at log p near 0. */
  public static final double LOG_PROB = 1e-3;

  /** The relative part of the accepted |Δ log p|, per nat of the largest |log p|: 16·2⁻²³. */
  public static final double LOG_PROB_RELATIVE = 16 * FLOAT32_EPSILON;

  /** Largest accepted |Δ x| of a sample of moderate size. */
  public static final double SAMPLE = 1e-4;

  /** Largest accepted |Δ x| relative to the largest |x|, where that bound is larger. */
  public static final double SAMPLE_RELATIVE = 1e-5;

  private ExportTolerance() {}

  /**
   * The accepted max |Δ log p| for the JVM's values {@code logProb}: {@link #LOG_PROB} + {@link
   * #LOG_PROB_RELATIVE}·max|log p|.
   */
  public static double logProb(float[] logProb) {
    return LOG_PROB + LOG_PROB_RELATIVE * largestAbs(logProb);
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
