package org.flowlab.core.train;

/**
 * A request, from a signal handler, that training stop at the next step boundary: the loop writes a
 * whole {@code last.ckpt} there and throws {@link TrainingStoppedException}. Signals are
 * process-wide, so the request is too. Nothing here frees or touches a tensor: the compute thread
 * stops on its own between steps, never while a native op runs.
 */
public final class StopRequest {
  private static volatile Stop pending;

  /**
   * A pending stop.
   *
   * @param signal the signal's name without {@code SIG}, e.g. {@code TERM}
   * @param exitCode the exit code the process ends with (128 + the signal's number)
   */
  public record Stop(String signal, int exitCode) {}

  private StopRequest() {}

  /** Asks training to stop; returns false when a stop was already pending. */
  public static synchronized boolean request(String signal, int exitCode) {
    if (pending != null) {
      return false;
    }
    pending = new Stop(signal, exitCode);
    return true;
  }

  /** The pending stop, or null. */
  public static Stop pending() {
    return pending;
  }

  /** Forgets a pending stop (tests that train in one JVM). */
  public static synchronized void clear() {
    pending = null;
  }

  /**
   * Throws when a stop is pending.
   *
   * @param step the step training has completed
   * @param checkpoint the whole checkpoint holding that step
   */
  public static void throwIfRequested(long step, java.nio.file.Path checkpoint) {
    Stop stop = pending;
    if (stop != null) {
      throw new TrainingStoppedException(step, checkpoint, stop);
    }
  }
}
