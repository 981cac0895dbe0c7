/**
 * The model registry: exported flows stored as {@code <root>/<name>/<version>/} ({@code
 * log_prob.onnx}, {@code sample.onnx}, {@code model-card.json}) by {@link
 * org.flowlab.registry.ModelStore}, and served through ONNX Runtime by {@link
 * org.flowlab.registry.RegisteredFlow} (CUDA execution provider when it loads, CPU otherwise; see
 * {@link org.flowlab.api.onnx.runtime.OnnxSession}). {@link org.flowlab.registry.Parity} compares
 * ONNX Runtime with the JVM model at export time. Needs no training code.
 */
package org.flowlab.registry;
