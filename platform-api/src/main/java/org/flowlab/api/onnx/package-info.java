/**
 * ONNX export: {@link org.flowlab.api.onnx.OnnxGraph}, a graph builder over the generated ONNX
 * protos (opset {@value org.flowlab.api.onnx.OnnxGraph#OPSET}), and the emission contract that
 * layers ({@link org.flowlab.api.onnx.OnnxLayer}), bijectors ({@link
 * org.flowlab.api.onnx.OnnxBijector}) and base distributions ({@link
 * org.flowlab.api.onnx.OnnxDistribution}) implement so that {@code Flow.toOnnx()} can compose a
 * whole flow into two models: {@code log_prob} (x → log p(x)) and {@code sample} (z, temperature →
 * x). Every tensor has a dynamic batch axis first; {@link org.flowlab.api.onnx.OnnxTensor} carries
 * a value's name and its per-sample shape.
 */
package org.flowlab.api.onnx;
