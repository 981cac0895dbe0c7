package org.flowlab.api.distribution;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.flowlab.api.nn.Scalars;
import org.flowlab.api.onnx.OnnxDistribution;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxTensor;
import org.flowlab.api.random.Seeds;

/** The standard normal N(0, I); temperature T gives N(0, T²I). */
public final class StandardNormal implements BaseDistribution, OnnxDistribution {
  private static final double HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

  @Override
  public NDArray logProb(NDArray z) {
    return BaseDistribution.sumEvent(Scalars.mul(z.square(), -0.5).sub(HALF_LOG_2PI));
  }

  /** Emits {@code Σ (−z²/2 − log(2π)/2)} per sample. */
  @Override
  public String emitLogProb(OnnxGraph graph, OnnxTensor z) {
    String perElement =
        graph.addScalar(graph.mulScalar(graph.square(z.name()), -0.5), -HALF_LOG_2PI);
    return graph.sumPerSample(z.with(perElement));
  }

  /** Emits {@code T·ε}. */
  @Override
  public OnnxTensor emitTemperature(OnnxGraph graph, OnnxTensor standard, String temperature) {
    return standard.with(graph.mul(standard.name(), temperature));
  }

  /** {@code normal}. */
  @Override
  public String noise() {
    return "normal";
  }

  @Override
  public NDArray sample(
      NDManager manager, Shape eventShape, int n, double temperature, SplittableRandom rng) {
    Shape shape = new Shape(n).addAll(eventShape);
    float[] values = Seeds.normal(rng, Math.toIntExact(shape.size()));
    for (int i = 0; i < values.length; i++) {
      values[i] *= (float) temperature;
    }
    return manager.create(values, shape);
  }
}
