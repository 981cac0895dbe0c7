package org.flowlab.registry;

/**
 * The parity check of an export: ONNX Runtime against the JVM model on held-out data (log p) and on
 * latents (samples). Misses of {@value #LOG_PROB_TOLERANCE} (log p, float32) or {@value
 * #SAMPLE_TOLERANCE} (samples) fail the export.
 *
 * <p>Where |log p| is above 1000 nats (images: a 28×28 model's log p is about −2000), the log p
 * tolerance is {@value #LOG_PROB_RELATIVE_TOLERANCE} of the largest |log p| instead: such a value
 * is a float32 sum over hundreds of dimensions, and two runtimes that sum in a different order
 * already differ by more than 1e-3 there (measured: 1.2e-3 on a Fashion-MNIST RealNVP whose log p
 * is about −1900, 6e-7 relative). 1e-6 relative is still 1e-6 bits per dimension.
 */
public final class Parity {
  /** Largest accepted |Δ log p| (nats). */
  public static final double LOG_PROB_TOLERANCE = 1e-3;

  /** Largest accepted |Δ log p| relative to the largest |log p|, when that is the larger bound. */
  public static final double LOG_PROB_RELATIVE_TOLERANCE = 1e-6;

  /** Largest accepted |Δ x| of a sample. */
  public static final double SAMPLE_TOLERANCE = 1e-4;

  private Parity() {}

  /**
   * The figures of one check.
   *
   * @param logProbMaxAbsError max |log p_ORT − log p_JVM| over the held-out points
   * @param sampleMaxAbsError max |x_ORT − x_JVM| over the decoded latents
   * @param points held-out points scored
   * @param latents latents decoded
   * @param temperature the temperature the latents were decoded at
   * @param provider the execution provider ONNX Runtime used
   * @param logProbTolerance the accepted |Δ log p|
   * @param sampleTolerance the accepted |Δ x|
   */
  public record Report(
      double logProbMaxAbsError,
      double sampleMaxAbsError,
      int points,
      int latents,
      double temperature,
      String provider,
      double logProbTolerance,
      double sampleTolerance) {
    /** Whether both errors are within tolerance. */
    public boolean passed() {
      return logProbMaxAbsError <= logProbTolerance && sampleMaxAbsError <= sampleTolerance;
    }
  }

  /** An export whose ONNX models do not reproduce the JVM model. */
  public static final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The failed check. */
    public final transient Report report;

    Failure(Report report) {
      super(
          String.format(
              java.util.Locale.ROOT,
              "ONNX parity check failed: max |Δ log p| = %.3g (tolerance %.2g), max |Δ x| = %.3g"
                  + " (tolerance %.0e) on %d points / %d latents",
              report.logProbMaxAbsError(),
              report.logProbTolerance(),
              report.sampleMaxAbsError(),
              report.sampleTolerance(),
              report.points(),
              report.latents()));
      this.report = report;
    }
  }

  /**
   * Runs both models and compares them with the JVM's answers.
   *
   * @param flow the exported flow (ONNX Runtime side)
   * @param x held-out points, row-major
   * @param points how many
   * @param jvmLogProb the JVM model's log p of each point
   * @param standardZ standard latents, row-major
   * @param latents how many
   * @param temperature the temperature to decode at
   * @param jvmSamples the JVM model's decoding of {@code temperature · standardZ}
   * @throws Failure when a tolerance is missed (or a value is not finite)
   */
  public static Report check(
      RegisteredFlow flow,
      float[] x,
      int points,
      float[] jvmLogProb,
      float[] standardZ,
      int latents,
      double temperature,
      float[] jvmSamples) {
    double lp = maxAbs(flow.score(x, points), jvmLogProb);
    double xs = maxAbs(flow.decode(standardZ, latents, temperature), jvmSamples);
    Report report =
        new Report(
            lp,
            xs,
            points,
            latents,
            temperature,
            flow.provider(),
            logProbTolerance(jvmLogProb),
            SAMPLE_TOLERANCE);
    if (!report.passed()) {
      throw new Failure(report);
    }
    return report;
  }

  /**
   * The accepted |Δ log p| for these values: {@value #LOG_PROB_TOLERANCE}, or {@value
   * #LOG_PROB_RELATIVE_TOLERANCE} of the largest |log p| where that is larger.
   */
  public static double logProbTolerance(float[] logProb) {
    double largest = 0;
    for (float v : logProb) {
      largest = Math.max(largest, Math.abs(v));
    }
    return Math.max(LOG_PROB_TOLERANCE, LOG_PROB_RELATIVE_TOLERANCE * largest);
  }

  /** max |a − b|; infinite when the lengths differ or a value is not finite. */
  public static double maxAbs(float[] a, float[] b) {
    if (a.length != b.length) {
      return Double.POSITIVE_INFINITY;
    }
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      double d = Math.abs((double) a[i] - b[i]);
      if (!Double.isFinite(d)) {
        return Double.POSITIVE_INFINITY;
      }
      max = Math.max(max, d);
    }
    return max;
  }
}
