package org.flowlab.core.train;

import java.nio.file.Path;

/**
 * Training stopped at a step boundary because a signal asked it to ({@link StopRequest}); {@link
 * #checkpoint()} is whole and holds {@link #step()}, so {@code flowlab run --resume} continues
 * where it stopped.
 */
public final class TrainingStoppedException extends RuntimeException {
  private final long step;
  private final transient Path checkpoint;
  private final transient StopRequest.Stop stop;

  /**
   * @param step the steps completed
   * @param checkpoint the checkpoint holding them
   * @param stop the signal that asked for the stop
   */
  public TrainingStoppedException(long step, Path checkpoint, StopRequest.Stop stop) {
    super("stopped by SIG" + stop.signal() + " after step " + step + "; checkpoint " + checkpoint);
    this.step = step;
    this.checkpoint = checkpoint;
    this.stop = stop;
  }

  /** Steps completed. */
  public long step() {
    return step;
  }

  /** The whole checkpoint the run resumes from. */
  public Path checkpoint() {
    return checkpoint;
  }

  /** The exit code for the signal: 130 for INT, 143 for TERM, 138 for USR1. */
  public int exitCode() {
    return stop.exitCode();
  }
}
