package org.flowlab.core.tracking;

import java.nio.file.Path;

/**
 * A second process (or run object) tried to write a run another one is writing, e.g. {@code flowlab
 * run --resume} of a run that is still training. The CLI exits with code 2 and this one line.
 */
public final class RunLockedException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  private final long holderPid;

  RunLockedException(String runId, long holderPid, Path lockFile) {
    super(
        "run "
            + runId
            + " is being written by "
            + (holderPid > 0 ? "process " + holderPid : "another process")
            + " (lock "
            + lockFile
            + "); wait for it to end, or stop it first");
    this.holderPid = holderPid;
  }

  /** The pid of the process that holds the run, or -1 when unknown. */
  public long holderPid() {
    return holderPid;
  }
}
