package org.flowlab.core.train;

/** The loss or a gradient became NaN or infinite; the message says at which step and where. */
public final class TrainingDivergedException extends RuntimeException {
  private final long step;

  TrainingDivergedException(long step, String diagnosis) {
    super("training diverged at step " + step + ": " + diagnosis);
    this.step = step;
  }

  /** The 0-based step whose loss or gradients were not finite. */
  public long step() {
    return step;
  }
}
