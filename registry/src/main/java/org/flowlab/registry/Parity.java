package org.flowlab.registry;

import org.flowlab.api.onnx.ExportTolerance;

/**
 * The parity check of an export: ONNX Runtime against the JVM model on held-out data (log p) and on
 * latents (samples). The tolerances are {@link ExportTolerance}'s (log p: absolute plus a few
 * float32 epsilons of the largest |log p|; samples: absolute, or relative for large ones); a miss
 * fails the export.
 */
public final class Parity {
  /** Largest accepted |Δ log p| (nats) for moderate log p: {@link ExportTolerance#LOG_PROB}. */
  public static final double LOG_PROB_TOLERANCE = ExportTolerance.LOG_PROB;

  /** Largest accepted |Δ x| of a moderate sample: {@link ExportTolerance#SAMPLE}. */
  public static final double SAMPLE_TOLERANCE = ExportTolerance.SAMPLE;

  private Parity() {}

  /**
   * The figures of one check.
   *
   * @param logProbMaxAbsError max |log p_ORT − log p_JVM| over the held-out points; for a
   *     sampling-only flow's sampler, max |log q_ORT − log q_JVM| of the decoded latents; 0 for a
   *     VAE's generator (no density is computed, {@code points} is 0)
   * @param sampleMaxAbsError max |x_ORT − x_JVM| over the decoded latents
   * @param points held-out points scored (a sampler: the latents whose log q was compared)
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
                  + " (tolerance %.2g) on %d points / %d latents",
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
    return check(
        flow, x, null, points, jvmLogProb, standardZ, null, latents, temperature, jvmSamples);
  }

  /**
   * {@link #check(RegisteredFlow, float[], int, float[], float[], int, double, float[])} of a
   * conditional flow: the points' contexts and the latents' contexts (row-major, {@code contextDim}
   * each) go with them; null for an unconditional flow.
   */
  public static Report check(
      RegisteredFlow flow,
      float[] x,
      float[] xContext,
      int points,
      float[] jvmLogProb,
      float[] standardZ,
      float[] zContext,
      int latents,
      double temperature,
      float[] jvmSamples) {
    double lp = maxAbs(flow.score(x, points, xContext), jvmLogProb);
    double xs = maxAbs(flow.decode(standardZ, latents, temperature, zContext), jvmSamples);
    Report report =
        new Report(
            lp,
            xs,
            points,
            latents,
            temperature,
            flow.provider(),
            ExportTolerance.logProb(jvmLogProb),
            ExportTolerance.sample(jvmSamples));
    if (!report.passed()) {
      throw new Failure(report);
    }
    return report;
  }

  /**
   * Runs a sampling-only flow's {@code sampler} on standard latents at temperature 1 and compares
   * its samples and their log q with the JVM's.
   *
   * @param flow the exported sampler (ONNX Runtime side)
   * @param standardZ standard latents, row-major
   * @param context their contexts (row-major, {@code contextDim} each); null for an unconditional
   *     flow
   * @param latents how many
   * @param jvmSamples the JVM model's decoding of {@code standardZ}
   * @param jvmLogQ the JVM model's log q of those samples
   * @throws Failure when a tolerance is missed (or a value is not finite)
   */
  public static Report checkSampler(
      RegisteredFlow flow,
      float[] standardZ,
      float[] context,
      int latents,
      float[] jvmSamples,
      float[] jvmLogQ) {
    RegisteredFlow.Draws ort = flow.sampleWithLogQ(standardZ, latents, 1.0, context);
    Report report =
        new Report(
            maxAbs(ort.logQ(), jvmLogQ),
            maxAbs(ort.x(), jvmSamples),
            latents,
            latents,
            1.0,
            flow.provider(),
            ExportTolerance.logProb(jvmLogQ),
            ExportTolerance.sample(jvmSamples));
    if (!report.passed()) {
      throw new Failure(report);
    }
    return report;
  }

  /**
   * Runs a VAE's {@code generator} on standard latents at {@code temperature} and compares its
   * Bernoulli means with the JVM decoder's (there is no density to compare: the report's log p
   * error is 0 over 0 points).
   *
   * @param flow the exported generator (ONNX Runtime side)
   * @param standardZ standard normal latents, row-major
   * @param latents how many
   * @param temperature the temperature to decode at
   * @param jvmMeans the JVM decoder's means of {@code temperature · standardZ}
   * @throws Failure when the tolerance is missed (or a value is not finite)
   */
  public static Report checkGenerator(
      RegisteredFlow flow, float[] standardZ, int latents, double temperature, float[] jvmMeans) {
    double xs = maxAbs(flow.decode(standardZ, latents, temperature), jvmMeans);
    Report report =
        new Report(
            0,
            xs,
            0,
            latents,
            temperature,
            flow.provider(),
            ExportTolerance.LOG_PROB,
            ExportTolerance.sample(jvmMeans));
    if (!report.passed()) {
      throw new Failure(report);
    }
    return report;
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
