package org.flowlab.api.ode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.util.List;

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

  /**
   * The eager dynamics of a {@link Field} written once over {@link org.flowlab.api.ops.TensorOps}
   * and run in {@code org.flowlab.api.nn.EagerOps}: what an adaptive solver integrates eagerly from
   * the same definition a fixed-step solver also traces.
   */
  static Dynamics of(Field<NDArray> field) {
    return (t, state) -> {
      List<NDArray> derivatives = field.derivative(t, state);
      return derivatives instanceof NDList list ? list : new NDList(derivatives);
    };
  }
}
