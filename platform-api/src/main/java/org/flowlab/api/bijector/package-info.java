/**
 * Bijectors that several flow families share, such as {@link org.flowlab.api.bijector.ActNorm}
 * (RealNVP, Glow, Residual Flows). Direction as everywhere: forward = data → latent.
 */
package org.flowlab.api.bijector;
