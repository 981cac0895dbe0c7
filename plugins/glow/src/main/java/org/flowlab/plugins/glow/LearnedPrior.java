package org.flowlab.plugins.glow;

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
 * Glow's learned top prior, written as a bijector in front of a standard normal base: forward (data
 * → latent) {@code z = (x − mean)·exp(−log_sd)} per element, log-det {@code −Σ log_sd}. So x has
 * the density N(mean, exp(log_sd)²), and sampling at temperature T still scales the base's standard
 * deviation. Parameters {@code mean} and {@code log_sd}, shaped like one event, start at zero.
 */
final class LearnedPrior implements Bijector, OnnxBijector {
  private final NDArray mean;
  private final NDArray logSd;

  LearnedPrior(ParameterScope scope, Shape eventShape) {
    this.mean = scope.trainable("mean", eventShape, Initializer.ZEROS);
    this.logSd = scope.trainable("log_sd", eventShape, Initializer.ZEROS);
  }

  @Override
  public Transformed forward(NDArray x, LogDetMode mode) {
    long n = x.getShape().get(0);
    NDArray zeros = x.getManager().zeros(new Shape(n), x.getDataType());
    NDArray logDet = zeros.sub(zeros.get(0).add(logSd).sum());
    return new Transformed(
        x.sub(mean).mul(x.zerosLike().sub(logSd).exp()), logDet, LogDetMode.EXACT);
  }

  @Override
  public NDArray inverse(NDArray z) {
    return z.mul(z.zerosLike().add(logSd).exp()).add(mean);
  }

  /** Emits {@code z = (x − mean)·exp(−log_sd)}; log-det {@code −Σ log_sd} for every sample. */
  @Override
  public OnnxTransformed emitForward(OnnxGraph graph, OnnxTensor x) {
    String ls = graph.initializer("log_sd", logSd);
    String z =
        graph.mul(graph.sub(x.name(), graph.initializer("mean", mean)), graph.exp(graph.neg(ls)));
    String total = graph.reduceSum(graph.reshape(ls, -1), true, 0);
    return new OnnxTransformed(x.with(z), graph.neg(graph.perSample(x, total)));
  }

  /** Emits {@code x = z·exp(log_sd) + mean}. */
  @Override
  public OnnxTensor emitInverse(OnnxGraph graph, OnnxTensor z) {
    String ls = graph.initializer("log_sd", logSd);
    return z.with(graph.add(graph.mul(z.name(), graph.exp(ls)), graph.initializer("mean", mean)));
  }
}
