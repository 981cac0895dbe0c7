package org.flowlab.core.train;

/**
 * A checkpoint that does not fit the model it is loaded into: a parameter missing or of another
 * shape, as when the family's plugin changed its layers since the checkpoint was written. The
 * message names the parameter and both shapes.
 */
public final class CheckpointMismatchException extends RuntimeException {
  CheckpointMismatchException(String message) {
    super(message);
  }
}
