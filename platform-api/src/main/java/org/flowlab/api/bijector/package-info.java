/**
 * Bijectors that several flow families share, such as {@link org.flowlab.api.bijector.ActNorm}
 * (RealNVP, Glow, Residual Flows) and {@link org.flowlab.api.bijector.Coupling} (NICE, RealNVP,
 * Glow, neural spline flows). Direction as everywhere: forward = data → latent.
 */
package org.flowlab.api.bijector;
