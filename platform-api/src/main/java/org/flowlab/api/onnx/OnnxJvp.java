package org.flowlab.api.onnx;

/**
 * An emitted forward-mode derivative ({@link OnnxJvpLayer}).
 *
 * @param value {@code f(x)}, batch first
 * @param tangents {@code J_f(x)·v} for each tangent, per-sample shape {@code (k, f's output
 *     shape...)}
 */
public record OnnxJvp(OnnxTensor value, OnnxTensor tangents) {}
