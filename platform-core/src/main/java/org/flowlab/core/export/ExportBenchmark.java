package org.flowlab.core.export;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.onnx.ExportTolerance;
import org.flowlab.api.onnx.runtime.OnnxSession;
import org.flowlab.registry.ModelCard;
import org.flowlab.registry.ModelStore;
import org.flowlab.registry.RegisteredFlow;

/**
 * Inference throughput of a registered model in ONNX Runtime against the JVM eager model it was
 * exported from: samples/s and log_prob/s at each batch size. The JVM flow is rebuilt from the
 * card's source run ({@link RunFlows}: its {@code config.yaml} and best checkpoint) on the CPU;
 * outside a gradient collector the PyTorch engine records no graph. Both sides do the same work per
 * call: {@code float[]} in, {@code float[]} out, standard noise drawn in Java for samples (at
 * temperature 1). Each figure is {@code batch × calls / seconds} over calls made after warmup
 * calls, repeated until at least {@code seconds} have passed and {@code minCalls} calls were made.
 * log_prob is timed on samples of the model itself, so no data set is needed.
 */
public final class ExportBenchmark {
  private static final long SEED = 20_240_601L;

  private final RunFlows flows;

  /** Wired by Guice. */
  @Inject
  public ExportBenchmark(RunFlows flows) {
    this.flows = flows;
  }

  /**
   * How to measure.
   *
   * @param batches batch sizes, e.g. 1 and 1024
   * @param seconds the least time per figure
   * @param minCalls the least timed calls per figure
   * @param warmup untimed calls before each figure
   * @param provider the ONNX Runtime execution provider to ask for
   * @param ortThreads ONNX Runtime's intra-op threads (0: its default, one per core)
   */
  public record Options(
      List<Integer> batches,
      double seconds,
      int minCalls,
      int warmup,
      OnnxSession.Provider provider,
      int ortThreads) {
    /** Checks the values. */
    public Options {
      batches = List.copyOf(batches);
      if (batches.isEmpty() || batches.stream().anyMatch(b -> b < 1)) {
        throw new IllegalArgumentException("batches must be positive, got " + batches);
      }
      if (ortThreads < 0) {
        throw new IllegalArgumentException("ONNX Runtime threads must be ≥ 0, got " + ortThreads);
      }
      if (!(seconds >= 0) || minCalls < 1 || warmup < 0) {
        throw new IllegalArgumentException(
            "need seconds ≥ 0, min calls ≥ 1, warmup ≥ 0; got "
                + seconds
                + ", "
                + minCalls
                + ", "
                + warmup);
      }
    }
  }

  /**
   * One row of the table: one model at one batch size; rates in points per second.
   *
   * @param model {@code name:version}
   * @param family the flow family
   * @param batch the batch size
   * @param ortSamples ONNX Runtime samples/s
   * @param jvmSamples JVM samples/s
   * @param ortLogProb ONNX Runtime log_prob evaluations/s
   * @param jvmLogProb JVM log_prob evaluations/s
   * @param provider the ONNX Runtime execution provider used
   */
  public record Row(
      String model,
      String family,
      int batch,
      double ortSamples,
      double jvmSamples,
      double ortLogProb,
      double jvmLogProb,
      String provider) {
    /** ONNX Runtime's samples/s over the JVM's. */
    public double sampleSpeedup() {
      return ortSamples / jvmSamples;
    }

    /** ONNX Runtime's log_prob/s over the JVM's. */
    public double logProbSpeedup() {
      return ortLogProb / jvmLogProb;
    }
  }

  /**
   * Measures one registered model at every batch size of {@code options}.
   *
   * @param out where the check that both sides hold the same model is reported
   * @throws org.flowlab.core.config.ConfigException when the source run is gone, or the model is
   *     conditional (not measured yet)
   */
  public List<Row> measure(ModelStore.Registered registered, Options options, PrintStream out)
      throws IOException {
    ModelCard card = registered.card();
    String label = registered.name() + ":" + registered.version();
    if (card.contextDim() > 0) {
      throw new org.flowlab.core.config.ConfigException(
          label,
          "",
          "is conditional (context_dim "
              + card.contextDim()
              + "); bench-export measures unconditional models only");
    }
    if (!card.has(ModelCard.LOG_PROB)) {
      throw new org.flowlab.core.config.ConfigException(
          label,
          "",
          (card.has(ModelCard.GENERATOR)
                  ? "is a VAE's generator"
                  : "is a sampler (family '" + card.family() + "' offers sampling only)")
              + "; bench-export measures models with a log_prob model");
    }
    Shape event = new Shape(card.eventShape());
    RunFlows.Source source = flows.source("bench-export " + label, card.sourceRun());
    List<Row> rows = new ArrayList<>();
    try (NDManager manager = NDManager.newBaseManager(Device.cpu());
        RegisteredFlow ort =
            RegisteredFlow.open(registered, options.provider())
                .intraOpThreads(options.ortThreads())) {
      Flow flow = source.restore(event, manager);
      int largest = options.batches().stream().mapToInt(Integer::intValue).max().orElseThrow();
      // Inputs of log_prob: the model's own samples, valid data whatever the preprocessing.
      float[] points = ort.sample(largest, 1.0, SEED);
      float[] ortLp = ort.score(points, largest);
      float[] jvmLp;
      try (NDScope scope = new NDScope();
          NDManager sub = manager.newSubManager()) {
        jvmLp =
            flow.logProb(sub.create(points, new Shape(largest).addAll(event)), LogDetMode.EXPORTED)
                .value()
                .toFloatArray();
      }
      // Samples of an image model can saturate its logit preprocessing (log p = ±∞ in both
      // runtimes); the check is over the points where both are finite, and says how many are not.
      int nonFinite = 0;
      double gap = 0;
      for (int i = 0; i < largest; i++) {
        if (Float.isFinite(ortLp[i]) && Float.isFinite(jvmLp[i])) {
          gap = Math.max(gap, Math.abs((double) ortLp[i] - jvmLp[i]));
        } else {
          nonFinite++;
          if (Float.isFinite(ortLp[i]) != Float.isFinite(jvmLp[i])) {
            gap = Double.POSITIVE_INFINITY;
          }
        }
      }
      double tolerance = ExportTolerance.logProb(jvmLp);
      out.printf(
          Locale.ROOT,
          "%s: ONNX Runtime vs the JVM model of run %s: max |Δ log p| %.3g on %d samples%s%s%n",
          label,
          card.sourceRun(),
          gap,
          largest,
          nonFinite == 0 ? "" : " (" + nonFinite + " with a non-finite log p in both, left out)",
          gap <= tolerance ? "" : " (above " + tolerance + ": the run's best checkpoint changed?)");
      out.printf(
          "%s: ONNX Runtime %s, execution provider %s (%s), %s intra-op threads; JVM: PyTorch"
              + " engine on the CPU, no gradient recording, %d intra-op threads (%d cores)%n",
          label,
          ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion(),
          ort.provider(),
          ort.providerNote(),
          options.ortThreads() == 0 ? "default" : Integer.toString(options.ortThreads()),
          ai.djl.pytorch.jni.JniUtils.getNumThreads(),
          Runtime.getRuntime().availableProcessors());
      SplittableRandom rng = new SplittableRandom(SEED);
      for (int batch : options.batches()) {
        int n = batch;
        float[] x = new float[Math.toIntExact(n * event.size())];
        System.arraycopy(points, 0, x, 0, x.length);
        Shape shape = new Shape(n).addAll(event);
        double ortSamples = rate(n, options, () -> ort.sample(n, 1.0, SEED));
        double jvmSamples =
            rate(
                n,
                options,
                () -> {
                  try (NDScope scope = new NDScope();
                      NDManager sub = manager.newSubManager()) {
                    flow.sample(sub, n, 1.0, rng).toFloatArray();
                  }
                });
        double ortLogProb = rate(n, options, () -> ort.score(x, n));
        double jvmLogProb =
            rate(
                n,
                options,
                () -> {
                  try (NDScope scope = new NDScope();
                      NDManager sub = manager.newSubManager()) {
                    flow.logProb(sub.create(x, shape), LogDetMode.EXPORTED).value().toFloatArray();
                  }
                });
        rows.add(
            new Row(
                label,
                card.family(),
                n,
                ortSamples,
                jvmSamples,
                ortLogProb,
                jvmLogProb,
                ort.provider()));
      }
    }
    return rows;
  }

  /** Points per second of {@code call} on {@code batch} points, after warmup calls. */
  static double rate(int batch, Options options, Runnable call) {
    for (int i = 0; i < options.warmup(); i++) {
      call.run();
    }
    long budget = (long) (options.seconds() * 1e9);
    long start = System.nanoTime();
    long calls = 0;
    long elapsed;
    do {
      call.run();
      calls++;
      elapsed = System.nanoTime() - start;
    } while (elapsed < budget || calls < options.minCalls());
    return batch * (double) calls / (elapsed / 1e9);
  }

  /** The rows as a fixed-width table, one line per model and batch size. */
  public static String table(List<Row> rows) {
    StringBuilder s = new StringBuilder();
    String header = "%-20s %-10s %6s %14s %14s %8s %14s %14s %8s%n";
    String line = "%-20s %-10s %6d %14s %14s %7.2fx %14s %14s %7.2fx%n";
    s.append(
        String.format(
            Locale.ROOT,
            header,
            "MODEL",
            "FAMILY",
            "BATCH",
            "ORT samples/s",
            "JVM samples/s",
            "speedup",
            "ORT logp/s",
            "JVM logp/s",
            "speedup"));
    for (Row r : rows) {
      s.append(
          String.format(
              Locale.ROOT,
              line,
              r.model(),
              r.family(),
              r.batch(),
              figure(r.ortSamples()),
              figure(r.jvmSamples()),
              r.sampleSpeedup(),
              figure(r.ortLogProb()),
              figure(r.jvmLogProb()),
              r.logProbSpeedup()));
    }
    return s.toString();
  }

  /** A rate to 4 significant digits, without an exponent (e.g. {@code 194100}, {@code 43.21}). */
  static String figure(double rate) {
    if (!Double.isFinite(rate)) {
      return String.valueOf(rate);
    }
    return new java.math.BigDecimal(rate)
        .round(new java.math.MathContext(4))
        .stripTrailingZeros()
        .toPlainString();
  }
}
