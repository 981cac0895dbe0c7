package org.flowlab.api.flow;

import ai.djl.ndarray.NDArray;

/**
 * The result of a pass through a bijector: of {@code forward} (data → latent) or of {@code
 * sampleForward} (latent → data).
 *
 * @param value the transformed batch, same batch size as the input
 * @param logDet per-sample {@code log|det ∂value/∂input|}, shape (batch)
 * @param mode how {@code logDet} was computed
 */
public record Transformed(NDArray value, NDArray logDet, LogDetMode mode) {}
