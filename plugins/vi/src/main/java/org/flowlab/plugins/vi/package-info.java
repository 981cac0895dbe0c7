/**
 * Flows for variational inference: the {@code planar} and {@code radial} families (Rezende and
 * Mohamed, 2015) and the {@code sylvester} family (van den Berg et al., 2018). Their layers map
 * latent → data in closed form and have no closed-form inverse, so the families offer the sampling
 * direction only ({@link org.flowlab.api.flow.Direction#SAMPLING}): samples with their log q, for
 * reverse-KL training.
 */
package org.flowlab.plugins.vi;
