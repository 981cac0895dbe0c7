/**
 * Ordinary differential equation solvers on DJL tensors, for continuous normalizing flows (FFJORD).
 *
 * <p>A state is an {@link ai.djl.ndarray.NDList} (for a CNF: z, the log-det accumulator and any
 * regulariser accumulators); {@link org.flowlab.api.ode.Dynamics} maps {@code (t, state)} to its
 * time derivative. {@link org.flowlab.api.ode.DormandPrince} is the adaptive Dormand–Prince 5(4)
 * method with absolute and relative tolerances; {@link org.flowlab.api.ode.RungeKutta4} is the
 * classical fixed-step method. Times and step sizes are Java doubles: step-size decisions never
 * enter autograd, while every accepted step is made of ordinary differentiable ops, so reverse mode
 * differentiates through the solver (backprop through the solve, not the adjoint method).
 */
package org.flowlab.api.ode;
