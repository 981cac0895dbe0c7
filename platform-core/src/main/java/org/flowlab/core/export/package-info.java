/**
 * {@code flowlab export}: a finished run's best checkpoint rebuilt through its family plugin,
 * written as ONNX ({@code Flow.toOnnx()}), checked against the JVM model in ONNX Runtime, and
 * published to the model registry with its model card.
 */
package org.flowlab.core.export;
