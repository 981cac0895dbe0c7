package org.flowlab.core.train;

import org.flowlab.core.config.ExperimentConfig.ScheduleConfig;

/**
 * Linear warmup from 0, then cosine decay to {@code minLrRatio·lr} at the last step (or constant).
 */
record LearningRateSchedule(double lr, ScheduleConfig config, long totalSteps) {

  /** The learning rate for 0-based step {@code step}. */
  double at(long step) {
    long warmup = config.warmupSteps();
    if (warmup > 0 && step < warmup) {
      return lr * (step + 1) / warmup;
    }
    if (config.kind().equals("constant")) {
      return lr;
    }
    double span = Math.max(1, totalSteps - warmup);
    double progress = Math.min(1.0, (step - warmup) / span);
    double floor = config.minLrRatio();
    return lr * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * progress)));
  }
}
