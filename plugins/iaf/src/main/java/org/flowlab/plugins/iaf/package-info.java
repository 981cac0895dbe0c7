/**
 * IAF (Kingma, Salimans, Jozefowicz, Chen, Sutskever and Welling, 2016): autoregressive layers
 * whose MADE conditioners read the latent, so sampling takes one pass and the density of given data
 * the d-pass inverse; affine or gated ({@code σ = sigmoid(s + 2)}, {@code z' = σ⊙z + (1 − σ)⊙m})
 * updates. Built on {@code org.flowlab.api.bijector.Autoregressive}; images are flattened first.
 */
package org.flowlab.plugins.iaf;
