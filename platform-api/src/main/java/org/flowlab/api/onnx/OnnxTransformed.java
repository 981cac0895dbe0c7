package org.flowlab.api.onnx;

/**
 * What a bijector's forward emission (data → latent) yields: the transformed tensor and the name of
 * the per-sample {@code log|det ∂z/∂x|}, shape {@code (N)}.
 *
 * @param value the transformed tensor
 * @param logDet the name of the per-sample log-det value
 */
public record OnnxTransformed(OnnxTensor value, String logDet) {}
