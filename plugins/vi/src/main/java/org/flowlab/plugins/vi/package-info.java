/**
 * Flows for variational inference (Rezende and Mohamed, 2015): the {@code planar} and {@code
 * radial} families. Their layers map latent → data in closed form and have no closed-form inverse,
 * so the families offer the sampling direction only ({@link
 * org.flowlab.api.flow.Direction#SAMPLING}): samples with their log q, for reverse-KL training.
 */
package org.flowlab.plugins.vi;
