/**
 * Variational autoencoders with flow posteriors ({@code model.kind: vae}): an MLP encoder x → (μ,
 * log σ, h), a Bernoulli MLP decoder z → logits, and an optional posterior flow from any family
 * that offers the sampling direction, amortised through the context h ({@link
 * org.flowlab.core.vae.VaeModel}); the negative ELBO as a training {@link
 * org.flowlab.core.train.Objective} ({@link org.flowlab.core.vae.VaeObjective}); test −ELBO,
 * importance-weighted NLL and image grids ({@link org.flowlab.core.vae.VaeEvaluation}).
 */
package org.flowlab.core.vae;
