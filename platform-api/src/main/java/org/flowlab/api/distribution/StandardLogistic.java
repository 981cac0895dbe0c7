package org.flowlab.api.distribution;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.flowlab.api.nn.EagerOps;
import org.flowlab.api.onnx.OnnxDistribution;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxTensor;
import org.flowlab.api.ops.OnnxOps;
import org.flowlab.api.ops.TensorOps;
import org.flowlab.api.ops.Traced;

/**
 * The standard logistic distribution, NICE's prior: log p(z) = −softplus(z) − softplus(−z) per
 * element; temperature T scales samples by T.
 */
public final class StandardLogistic implements BaseDistribution, OnnxDistribution {
  /**
   * {@code −Σ (softplus(z) + softplus(−z))} per sample, written once: the eager log-density and the
   * exported one derive from it.
   */
  public <T> T logProb(TensorOps<T> ops, T z) {
    return ops.neg(ops.sumAfter(ops.add(ops.softplus(z), ops.softplus(ops.neg(z))), 1));
  }

  @Override
  public NDArray logProb(NDArray z) {
    return logProb(EagerOps.FLOAT32, z);
  }

  @Override
  public String emitLogProb(OnnxGraph graph, OnnxTensor z) {
    return logProb(new OnnxOps(graph), Traced.of(z)).name();
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
