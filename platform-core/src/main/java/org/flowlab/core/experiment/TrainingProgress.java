package org.flowlab.core.experiment;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.flowlab.core.tracking.TrackedRun;
import org.flowlab.core.train.Trainer;

/**
 * Shows a progress bar (loss, steps/s, ETA) and records training metrics: {@code train/loss},
 * {@code train/lr} and {@code train/grad_norm} every {@code log_every} steps (float16 runs add
 * {@code train/loss_scale} and {@code train/skipped_steps}, the count so far), {@code val/nll} at
 * every validation.
 */
final class TrainingProgress implements Trainer.Listener, AutoCloseable {
  private final TrackedRun run;
  private final long logEvery;
  private final PrintStream out;
  private ProgressBar bar;
  private long startNanos;
  private long startStep;
  private long lastStep;
  private double lossSum;
  private long lossCount;
  private final Map<String, Double> figureSums = new java.util.HashMap<>();
  private final Map<String, Double> lossScale = new java.util.HashMap<>();

  TrainingProgress(TrackedRun run, long logEvery, PrintStream out) {
    this.run = run;
    this.logEvery = logEvery;
    this.out = out;
  }

  @Override
  public void onStart(long startStep, long totalSteps) {
    this.startStep = startStep;
    this.lastStep = startStep;
    this.startNanos = System.nanoTime();
    if (startStep > 0) {
      out.println("resuming at step " + startStep + " of " + totalSteps);
    }
    boolean interactive = System.console() != null;
    bar =
        new ProgressBarBuilder()
            .setTaskName("train")
            .setInitialMax(totalSteps)
            .startsFrom(startStep, Duration.ZERO)
            .setStyle(ProgressBarStyle.ASCII)
            .setUpdateIntervalMillis(interactive ? 250 : 10_000)
            .showSpeed()
            .setUnit(" steps", 1)
            .setConsumer(
                interactive
                    ? new me.tongfei.progressbar.ConsoleProgressBarConsumer(out)
                    : new me.tongfei.progressbar.DelegatingProgressBarConsumer(out::println))
            .build();
  }

  @Override
  public void onStep(
      long step, double loss, double lr, double gradNorm, Map<String, Double> figures) {
    lossSum += loss;
    lossCount++;
    figures.forEach((k, v) -> figureSums.merge(k, v, Double::sum));
    lastStep = step + 1;
    bar.stepTo(step + 1);
    if ((step + 1) % logEvery == 0) {
      long count = lossCount;
      double mean = lossSum / lossCount;
      lossSum = 0;
      lossCount = 0;
      bar.setExtraMessage(String.format(" loss %.4f", mean));
      Map<String, Double> metrics = new java.util.HashMap<>();
      metrics.put("train/loss", mean);
      metrics.put("train/lr", lr);
      metrics.put("train/grad_norm", gradNorm);
      figureSums.forEach((k, v) -> metrics.put("train/" + k, v / count));
      figureSums.clear();
      metrics.putAll(lossScale);
      log(metrics, step + 1);
    }
  }

  @Override
  public void onLossScale(long step, double scale, long skippedSteps) {
    lossScale.put("train/loss_scale", scale);
    lossScale.put("train/skipped_steps", (double) skippedSteps);
  }

  @Override
  public void onValidation(long step, double valNll, boolean improved) {
    log(Map.of("val/nll", valNll), step);
  }

  @Override
  public void onCheckpoint(long step, Path file) {
    try {
      run.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Seconds of training in this process. */
  double seconds() {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  /** Steps per second in this process. */
  double stepsPerSecond() {
    return (lastStep - startStep) / Math.max(1e-9, seconds());
  }

  private void log(Map<String, Double> metrics, long step) {
    try {
      for (var m : new java.util.TreeMap<>(metrics).entrySet()) {
        run.logMetric(m.getKey(), m.getValue(), step);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
    }
  }
}
