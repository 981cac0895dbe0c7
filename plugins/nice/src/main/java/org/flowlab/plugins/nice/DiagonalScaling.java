package org.flowlab.plugins.nice;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.onnx.OnnxBijector;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxTensor;
import org.flowlab.api.onnx.OnnxTransformed;

/**
 * NICE's final diagonal scaling layer on vectors (d): forward (data → latent) {@code z = x ⊙
 * exp(s)}, log-det {@code Σ s} (the same for every sample); inverse {@code x = z ⊙ exp(−s)}. The
 * log-scale s (parameter {@code log_scale}, shape (d)) starts at 0. It is the only layer of the
 * flow that changes volume.
 */
final class DiagonalScaling implements Bijector, OnnxBijector {
  private final NDArray logScale;

  /**
   * @param scope where {@code log_scale} is registered
   * @param d the vector dimension
   */
  DiagonalScaling(ParameterScope scope, int d) {
    this.logScale = scope.trainable("log_scale", new Shape(d), Initializer.ZEROS);
  }

  @Override
  public Transformed forward(NDArray x, LogDetMode mode) {
    NDArray z = x.mul(logScale.exp());
    NDArray logDet =
        x.getManager().zeros(new Shape(x.getShape().get(0)), x.getDataType()).add(logScale.sum());
    return new Transformed(z, logDet, LogDetMode.EXACT);
  }

  @Override
  public NDArray inverse(NDArray z) {
    return z.mul(logScale.neg().exp());
  }

  /** Emits {@code z = x·exp(s)}; log-det {@code Σ s} for every sample. */
  @Override
  public OnnxTransformed emitForward(OnnxGraph graph, OnnxTensor x) {
    String s = graph.initializer("log_scale", logScale);
    String z = graph.mul(x.name(), graph.exp(s));
    return new OnnxTransformed(x.with(z), graph.perSample(x, graph.reduceSum(s, true, 0)));
  }

  /** Emits {@code x = z·exp(−s)}. */
  @Override
  public OnnxTensor emitInverse(OnnxGraph graph, OnnxTensor z) {
    String s = graph.initializer("log_scale", logScale);
    return z.with(graph.mul(z.name(), graph.exp(graph.neg(s))));
  }
}
