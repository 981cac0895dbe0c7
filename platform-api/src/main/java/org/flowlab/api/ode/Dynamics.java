package org.flowlab.api.ode;

import ai.djl.ndarray.NDList;

/** The right-hand side of an ODE: {@code dy/dt = f(t, y)} for a state made of several tensors. */
@FunctionalInterface
public interface Dynamics {
  /**
   * The time derivative of every state tensor.
   *
   * @param t the time (a plain double: the solver's clock is not differentiated)
   * @param state the state, tensors in a fixed order
   * @return one derivative per state tensor, each shaped like it
   */
  NDList derivative(double t, NDList state);
}
