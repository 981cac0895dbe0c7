/**
 * The core contract: {@link org.flowlab.api.flow.Bijector} (forward = data → latent, with
 * per-sample log|det J|) and {@link org.flowlab.api.flow.Flow} (base distribution + bijectors).
 */
package org.flowlab.api.flow;
