/**
 * MAF (Papamakarios, Pavlakou and Murray, 2017): a stack of affine autoregressive layers with MADE
 * conditioners, density in one pass and sampling by the d-pass inverse, built on {@code
 * org.flowlab.api.bijector.Autoregressive}. Images are flattened to vectors first.
 */
package org.flowlab.plugins.maf;
