package org.flowlab.api.ode;

import ai.djl.ndarray.NDList;

/** Integrates {@link Dynamics} from one time to another; {@code t1 < t0} integrates backwards. */
public interface OdeSolver {
  /**
   * Solves the initial value problem {@code y(t0) = y0} up to {@code t1}.
   *
   * @throws OdeException when an adaptive solver needs more steps than allowed or its step size
   *     underflows
   */
  Solution solve(Dynamics dynamics, NDList y0, double t0, double t1);

  /** A short name for logs and errors, e.g. {@code dopri5(atol=1e-5, rtol=1e-5)}. */
  String describe();
}
