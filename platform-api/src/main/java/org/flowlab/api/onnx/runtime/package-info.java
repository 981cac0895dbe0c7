/**
 * Running ONNX models in ONNX Runtime ({@link org.flowlab.api.onnx.runtime.OnnxSession}): the one
 * place platform-api touches {@code ai.onnxruntime}, which it declares {@code provided} (the host
 * has it on its classpath; the registry and the conformance kit's export checks use it, and a
 * plugin that does not call it needs nothing at run time).
 */
package org.flowlab.api.onnx.runtime;
