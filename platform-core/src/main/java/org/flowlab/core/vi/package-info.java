/**
 * Variational inference on the host side: the built-in target densities ({@link
 * org.flowlab.core.vi.BuiltInTargets}: Rezende and Mohamed's U1–U4, banana, Neal's funnel, a
 * Gaussian mixture) and the evaluation of a reverse-KL fit ({@link
 * org.flowlab.core.vi.VariationalEvaluation}: ELBO, importance-sampled log Z and its ESS, the
 * reverse KL where log Z is known, plots).
 */
package org.flowlab.core.vi;
