/**
 * Invertible residual flows: i-ResNet (Behrmann et al. 2019; truncated power-series log-det with
 * Hutchinson probes) and Residual Flows (Chen et al. 2019; unbiased Russian-roulette log-det,
 * LipSwish, actnorm between blocks). Each block is {@code y = x + g(x)} with g spectrally
 * normalised (Lip(g) < 1): an MLP for vectors ({@link org.flowlab.plugins.residual.LipschitzMlp}),
 * 3×3 convolutions normalised as operators for images ({@link
 * org.flowlab.plugins.residual.LipschitzCnn}) in a multi-scale model with squeeze and factor-out.
 * Blocks invert by fixed-point iteration; the exact log-det is available for d ≤ 64.
 *
 * <p>ONNX export ({@link org.flowlab.api.flow.Flow#toOnnx}): {@code log_prob} emits the exact
 * log-det for d ≤ 64 (one JVP with the d unit tangents, then {@code Log(Abs(Det(I + J)))}) and a
 * fixed-probe truncated series above; {@code sample} unrolls each block's fixed-point inverse for
 * an iteration count that {@link org.flowlab.plugins.residual.InverseCalibration} chooses at export
 * time from decoded base draws.
 */
package org.flowlab.plugins.residual;
