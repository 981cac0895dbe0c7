package org.flowlab.api.distribution;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.onnx.OnnxDistribution;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxTensor;

/**
 * The standard logistic distribution, NICE's prior: log p(z) = −softplus(z) − softplus(−z) per
 * element; temperature T scales samples by T.
 */
public final class StandardLogistic implements BaseDistribution, OnnxDistribution {
  @Override
  public NDArray logProb(NDArray z) {
    return BaseDistribution.sumEvent(
        Activation.softplus(z).add(Activation.softplus(z.neg())).neg());
  }

  /** Emits {@code −Σ (softplus(z) + softplus(−z))} per sample. */
  @Override
  public String emitLogProb(OnnxGraph graph, OnnxTensor z) {
    String s = graph.add(graph.softplus(z.name()), graph.softplus(graph.neg(z.name())));
    return graph.neg(graph.sumPerSample(z.with(s)));
  }

  /** Emits {@code T·ε}. */
  @Override
  public OnnxTensor emitTemperature(OnnxGraph graph, OnnxTensor standard, String temperature) {
    return standard.with(graph.mul(standard.name(), temperature));
  }

  /** {@code logistic}. */
  @Override
  public String noise() {
    return "logistic";
  }

  @Override
  public NDArray sample(
      NDManager manager, Shape eventShape, int n, double temperature, SplittableRandom rng) {
    Shape shape = new Shape(n).addAll(eventShape);
    float[] values = new float[Math.toIntExact(shape.size())];
    for (int i = 0; i < values.length; i++) {
      double u = Math.min(Math.max(rng.nextDouble(), 1e-7), 1 - 1e-7);
      values[i] = (float) (temperature * Math.log(u / (1 - u)));
    }
    return manager.create(values, shape);
  }
}
