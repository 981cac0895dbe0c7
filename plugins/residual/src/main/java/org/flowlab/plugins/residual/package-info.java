/**
 * Invertible residual flows for vector data: i-ResNet (Behrmann et al. 2019; truncated power-series
 * log-det with Hutchinson probes) and Residual Flows (Chen et al. 2019; unbiased Russian-roulette
 * log-det, LipSwish, actnorm between blocks). Each block is {@code y = x + g(x)} with g a
 * spectrally normalised MLP (Lip(g) < 1), inverted by fixed-point iteration; the exact log-det is
 * available for d ≤ 64.
 */
package org.flowlab.plugins.residual;
