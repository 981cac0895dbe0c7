package org.flowlab.core.runtime;

/**
 * A libtorch that cannot be used: a named folder or Python without one, or one of another version.
 * The CLI prints {@code "error: " + getMessage()} and exits with code 2.
 */
public final class LibtorchException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message one line naming what was found and what is needed
   */
  public LibtorchException(String message) {
    super(message);
  }
}
