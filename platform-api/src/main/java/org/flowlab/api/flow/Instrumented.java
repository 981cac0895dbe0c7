package org.flowlab.api.flow;

import java.util.Map;

/**
 * A bijector that reports figures about its most recent call — function evaluations of an ODE
 * solve, fixed-point iterations and residual of an inverse. The host logs {@link Flow#figures()}
 * with each training step's metrics.
 */
public interface Instrumented {
  /** Figure name → value for the most recent forward or inverse call; empty before the first. */
  Map<String, Double> figures();
}
