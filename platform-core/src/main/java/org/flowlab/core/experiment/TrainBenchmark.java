package org.flowlab.core.experiment;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.flowlab.api.flow.Flow;
import org.flowlab.core.config.ExperimentConfig.TrainingConfig;
import org.flowlab.core.config.LoadedConfig;
import org.flowlab.core.data.DataSplits;
import org.flowlab.core.plugins.PluginHost;
import org.flowlab.core.train.Devices;
import org.flowlab.core.train.TorchAutocast;
import org.flowlab.core.train.Trainer;

/** Times training steps of an experiment's model: the figure behind {@code flowlab bench}. */
public final class TrainBenchmark {
  private final PluginHost plugins;

  /** Wired by Guice. */
  @Inject
  public TrainBenchmark(PluginHost plugins) {
    this.plugins = plugins;
  }

  /**
   * Runs {@code warmup} untimed steps, then {@code repeats} × {@code steps} timed ones; reports the
   * median, and the mean per timed step of every figure the flow reports (FFJORD's {@code nfe},
   * i-ResNet's {@code logdet_terms}).
   */
  public String measure(LoadedConfig loaded, int warmup, int steps, int repeats, Path scratch)
      throws IOException {
    var config = loaded.config();
    ResolvedModel model = ResolvedModel.resolve(loaded, plugins);
    Device device = ExperimentRunner.resolveDevice(loaded);
    DataSplits data = ExperimentRunner.loadData(loaded);
    Devices.applyThreadDefault(data.eventShape(), device);
    long total = warmup + (long) steps * repeats;
    TrainingConfig t = config.training();
    TrainingConfig timed =
        new TrainingConfig(
            t.device(),
            t.batchSize(),
            total,
            null,
            t.optimizer(),
            t.schedule(),
            t.gradClip(),
            total,
            total,
            total,
            t.precision(),
            t.objective());
    double[] rates = new double[repeats];
    double[] cpuRates = new double[repeats];
    java.util.Map<String, Double> figureSums = new java.util.TreeMap<>();
    try (NDManager manager = Devices.newRunManager(device)) {
      Flow flow =
          model.buildForTraining(
              data.eventShape(), manager, config.seed(), TorchAutocast.of(t.precision(), manager));
      Trainer trainer =
          new Trainer(
              timed,
              config.seed(),
              flow,
              data,
              manager,
              scratch,
              loaded.configHash(),
              loaded.resolvedYaml());
      long[] marks = new long[repeats + 1];
      long[] cpuMarks = new long[repeats + 1];
      var os =
          (com.sun.management.OperatingSystemMXBean)
              java.lang.management.ManagementFactory.getOperatingSystemMXBean();
      trainer.train(
          new Trainer.Listener() {
            @Override
            public void onStep(
                long step,
                double loss,
                double lr,
                double gradNorm,
                java.util.Map<String, Double> figures) {
              long done = step + 1 - warmup;
              if (done > 0) {
                figures.forEach((k, v) -> figureSums.merge(k, v, Double::sum));
              }
              if (done >= 0 && done % steps == 0) {
                marks[(int) (done / steps)] = System.nanoTime();
                cpuMarks[(int) (done / steps)] = os.getProcessCpuTime();
              }
            }
          },
          false);
      for (int r = 0; r < repeats; r++) {
        rates[r] = steps / ((marks[r + 1] - marks[r]) / 1e9);
        cpuRates[r] = steps / ((cpuMarks[r + 1] - cpuMarks[r]) / 1e9);
      }
    }
    double[] sorted = rates.clone();
    Arrays.sort(sorted);
    String line =
        String.format(
            Locale.ROOT,
            "%s: family %s, batch %d, device %s, precision %s: %s train steps/s (median of %d × %d steps after %d warmup; runs %s)",
            config.name(),
            model.family().name(),
            t.batchSize(),
            device,
            t.precision(),
            rate(sorted[repeats / 2]),
            repeats,
            steps,
            warmup,
            Arrays.toString(Arrays.stream(rates).mapToObj(TrainBenchmark::rate).toArray()));
    double[] cpuSorted = cpuRates.clone();
    Arrays.sort(cpuSorted);
    // On a busy machine wall time counts the waits for a core; the process's CPU time does not
    // (it does count the JVM's own threads: garbage collection, compilation).
    line +=
        String.format(
            java.util.Locale.ROOT,
            "; %s steps per CPU-second of the process",
            rate(cpuSorted[repeats / 2]));
    StringBuilder perStep = new StringBuilder();
    long timedSteps = (long) steps * repeats;
    figureSums.forEach(
        (k, v) ->
            perStep.append(
                String.format(
                    java.util.Locale.ROOT, "; mean %s per step %.1f", k, v / timedSteps)));
    if (org.flowlab.api.device.DeviceCheck.enabled()) {
      perStep.append(
          String.format(
              java.util.Locale.ROOT,
              "; device check: %d placements checked, all on %s",
              org.flowlab.api.device.DeviceCheck.passed(),
              device));
    }
    return line + perStep;
  }

  /** A rate with one decimal, or three significant digits below 10 (0.123, not 0.1). */
  private static String rate(double perSecond) {
    return String.format(Locale.ROOT, perSecond >= 10 ? "%.1f" : "%.3g", perSecond);
  }
}
