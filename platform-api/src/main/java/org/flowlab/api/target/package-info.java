/**
 * Target densities for variational inference: the {@link org.flowlab.api.target.TargetDensity}
 * extension point (found by the plugin host like flow families) and the {@link
 * org.flowlab.api.target.Target} it builds, an unnormalised log-density that reverse-KL training
 * fits a flow's samples to.
 */
package org.flowlab.api.target;
