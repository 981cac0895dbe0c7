/**
 * FFJORD (Grathwohl, Chen, Bettencourt, Sutskever and Duvenaud, 2019) for vector data: continuous
 * normalizing flows {@code dz/dt = f(z, t)} with a time-conditioned MLP, integrated by the
 * platform's ODE solvers ({@link org.flowlab.api.ode}), log-dets from the instantaneous change of
 * variables with Hutchinson or exact traces built on forward-mode JVPs, a learned end time, and
 * optional kinetic-energy and Jacobian-norm regularisers.
 *
 * <p>Actnorm between blocks is off by default: platform-api's {@code ActNorm} computes its log-det
 * with {@code NDArray.mul(Number)}, whose constant DJL frees while autograd still holds it (see
 * {@link org.flowlab.api.ode.Scaling}); its {@code log_scale} gradient then reads freed memory
 * (measured spikes of 1e11 to 1e14 and infinities). Switch it on once ActNorm uses a native
 * constant.
 */
package org.flowlab.plugins.ffjord;
