package ${package};

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
 * One trainable scale and shift per element: forward (data → latent) {@code z = (x + shift) ·
 * exp(log_scale)}, log-det {@code Σ log_scale} for every sample; inverse {@code x = z · exp(−log_scale)
 * − shift}. Parameters {@code shift} and {@code log_scale} have the event shape and start near zero
 * (close to the identity), drawn from the scope's seed. Replace it with your own bijector: the
 * conformance test checks it either way.
 */
final class ElementwiseAffine implements Bijector, OnnxBijector {
  private final NDArray shift;
  private final NDArray logScale;

  ElementwiseAffine(ParameterScope scope, Shape eventShape) {
    this.shift = scope.trainable("shift", eventShape, Initializer.normal(0.01));
    this.logScale = scope.trainable("log_scale", eventShape, Initializer.normal(0.01));
  }

  @Override
  public Transformed forward(NDArray x, LogDetMode mode) {
    NDArray z = x.add(shift).mul(logScale.exp());
    NDArray logDet =
        x.getManager().zeros(new Shape(x.getShape().get(0)), x.getDataType()).add(logScale.sum());
    return new Transformed(z, logDet, LogDetMode.EXACT);
  }

  @Override
  public NDArray inverse(NDArray z) {
    return z.mul(logScale.neg().exp()).sub(shift);
  }

  /** The same formulas as {@link #forward}, as ONNX ops on the parameters' current values. */
  @Override
  public OnnxTransformed emitForward(OnnxGraph graph, OnnxTensor x) {
    String b = graph.initializer("shift", shift);
    String s = graph.initializer("log_scale", logScale);
    String z = graph.mul(graph.add(x.name(), b), graph.exp(s));
    String logDet = graph.reduceSum(graph.reshape(s, -1), true, 0);
    return new OnnxTransformed(x.with(z), graph.perSample(x, logDet));
  }

  @Override
  public OnnxTensor emitInverse(OnnxGraph graph, OnnxTensor z) {
    String b = graph.initializer("shift", shift);
    String s = graph.initializer("log_scale", logScale);
    return z.with(graph.sub(graph.mul(z.name(), graph.exp(graph.neg(s))), b));
  }
}
