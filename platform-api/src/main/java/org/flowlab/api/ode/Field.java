package org.flowlab.api.ode;

import java.util.List;

/**
 * {@link Dynamics} in any {@link org.flowlab.api.ops.TensorOps} interpretation: the time derivative
 * of every state tensor, so a fixed-step solve is written once for eager computation and export.
 *
 * @param <T> the value type of the interpretation
 */
@FunctionalInterface
public interface Field<T> {
  /** The derivative of each state tensor at time {@code t}, in the state's order. */
  List<T> derivative(double t, List<T> state);
}
