/**
 * Log-determinant estimators for free-form Jacobians {@code log|det(I + J)|} (i-ResNet, Residual
 * Flows), built only from Jacobian-vector products ({@link
 * org.flowlab.api.estimate.LinearOperator}) because DJL offers no double backward: the truncated
 * power series with Hutchinson probes ({@link org.flowlab.api.estimate.PowerSeries}), its unbiased
 * Russian-roulette form ({@link org.flowlab.api.estimate.RussianRoulette}) and, for the exact value
 * in small dimensions, the full Jacobians from d JVPs ({@link
 * org.flowlab.api.estimate.ExactLogDet}) whose log-det {@link
 * org.flowlab.api.ops.TensorOps#logAbsDet} computes. Random draws (probes, {@link
 * org.flowlab.api.estimate.Probes}, drawn on the probed array's device; the roulette's N) come from
 * the engine generator, which the host seeds per step and per evaluation.
 */
package org.flowlab.api.estimate;
