package org.flowlab.api.ode;

/**
 * An adaptive solve that could not finish: too many steps or a step size that underflowed. The
 * message says where it stopped and what to change (looser tolerances, a regulariser, more steps).
 */
public final class OdeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** An error with a complete one-line message. */
  public OdeException(String message) {
    super(message);
  }
}
