/**
 * FFJORD (Grathwohl, Chen, Bettencourt, Sutskever and Duvenaud, 2019): continuous normalizing flows
 * {@code dz/dt = f(z, t)} integrated by the platform's ODE solvers ({@link org.flowlab.api.ode}),
 * log-dets from the instantaneous change of variables with Hutchinson or exact traces built on
 * forward-mode JVPs, a learned end time, and optional kinetic-energy and Jacobian-norm
 * regularisers. Vectors get time-conditioned MLPs; images the paper's multiscale model (squeeze and
 * factor-out between scales) with time-conditioned conv nets. Both export to ONNX as unrolled
 * fixed-step RK4 solves whose step count is chosen at export time to reproduce the adaptive solve.
 */
package org.flowlab.plugins.ffjord;
