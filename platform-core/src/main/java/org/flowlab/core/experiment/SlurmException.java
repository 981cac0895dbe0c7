package org.flowlab.core.experiment;

import java.io.IOException;

/**
 * A Slurm command failed (a rejected submission, an unreachable controller); Slurm's message, one
 * line.
 */
public final class SlurmException extends IOException {
  SlurmException(String message) {
    super(message);
  }
}
