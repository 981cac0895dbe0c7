/**
 * FFJORD (Grathwohl, Chen, Bettencourt, Sutskever and Duvenaud, 2019) for vector data: continuous
 * normalizing flows {@code dz/dt = f(z, t)} with a time-conditioned MLP, integrated by the
 * platform's ODE solvers ({@link org.flowlab.api.ode}), log-dets from the instantaneous change of
 * variables with Hutchinson or exact traces built on forward-mode JVPs, a learned end time, and
 * optional kinetic-energy and Jacobian-norm regularisers.
 */
package org.flowlab.plugins.ffjord;
