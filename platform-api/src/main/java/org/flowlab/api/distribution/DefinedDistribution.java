package org.flowlab.api.distribution;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.flowlab.api.nn.EagerOps;
import org.flowlab.api.onnx.OnnxDistribution;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxTensor;
import org.flowlab.api.ops.OnnxOps;
import org.flowlab.api.ops.TensorOps;
import org.flowlab.api.ops.Traced;

/**
 * A base distribution whose log-density is written once, over {@link TensorOps}: the JVM's {@link
 * #logProb(NDArray)} and the exported one ({@link OnnxDistribution}) run that definition eagerly
 * and recorded. Temperature scales a standard draw ({@code T·ε}) in both.
 */
public interface DefinedDistribution extends BaseDistribution, OnnxDistribution {
  /**
   * Per-sample {@code log p(z)}, summed over every non-batch axis, in the interpretation {@code
   * ops}.
   */
  <T> T logProb(TensorOps<T> ops, T z);

  @Override
  default NDArray logProb(NDArray z) {
    return logProb(EagerOps.FLOAT32, z);
  }

  @Override
  default String emitLogProb(OnnxGraph graph, OnnxTensor z) {
    return logProb(new OnnxOps(graph), Traced.of(z)).name();
  }

  /** Emits {@code T·ε}. */
  @Override
  default OnnxTensor emitTemperature(OnnxGraph graph, OnnxTensor standard, String temperature) {
    Traced t = new Traced(temperature, new Shape(), false);
    return new OnnxOps(graph).mul(Traced.of(standard), t).tensor();
  }
}
