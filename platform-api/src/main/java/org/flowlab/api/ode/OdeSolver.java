package org.flowlab.api.ode;

import ai.djl.ndarray.NDList;
import java.util.List;
import org.flowlab.api.ops.TensorOps;

/** Integrates {@link Dynamics} from one time to another; {@code t1 < t0} integrates backwards. */
public interface OdeSolver {
  /**
   * Solves the initial value problem {@code y(t0) = y0} up to {@code t1}.
   *
   * @throws OdeException when an adaptive solver needs more steps than allowed or its step size
   *     underflows
   */
  Solution solve(Dynamics dynamics, NDList y0, double t0, double t1);

  /**
   * The same solve in any interpretation of {@code ops} (an ONNX graph, say), for solvers whose
   * steps are fixed in advance.
   *
   * @throws UnsupportedOperationException for a solver that chooses its steps by reading tensor
   *     values (adaptive step control): that decision cannot be traced
   */
  default <T> List<T> trace(TensorOps<T> ops, Field<T> field, List<T> y0, double t0, double t1) {
    throw new UnsupportedOperationException(
        describe()
            + " chooses its steps by reading tensor values (adaptive step control), which cannot"
            + " be traced into a graph; trace a fixed-step solver such as rk4 instead");
  }

  /** A short name for logs and errors, e.g. {@code dopri5(atol=1e-5, rtol=1e-5)}. */
  String describe();
}
