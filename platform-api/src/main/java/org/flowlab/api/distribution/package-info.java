/**
 * Base (latent) distributions: standard normal and standard logistic, each with its log-density
 * written once ({@link org.flowlab.api.distribution.DefinedDistribution}).
 */
package org.flowlab.api.distribution;
