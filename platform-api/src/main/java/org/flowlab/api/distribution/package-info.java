/** Base (latent) distributions: standard normal and standard logistic. */
package org.flowlab.api.distribution;
