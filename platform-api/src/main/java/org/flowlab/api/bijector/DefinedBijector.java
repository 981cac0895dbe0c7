package org.flowlab.api.bijector;

import ai.djl.ndarray.NDArray;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.nn.EagerOps;
import org.flowlab.api.onnx.OnnxBijector;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxTensor;
import org.flowlab.api.onnx.OnnxTransformed;
import org.flowlab.api.ops.Mapped;
import org.flowlab.api.ops.OnnxOps;
import org.flowlab.api.ops.TensorOps;
import org.flowlab.api.ops.Traced;

/**
 * A bijector with an exact log-det whose two directions are written once, over {@link TensorOps};
 * the JVM passes ({@link Bijector}) and the ONNX emissions ({@link OnnxBijector}) run those
 * definitions eagerly and recorded.
 */
public interface DefinedBijector extends Bijector, OnnxBijector {
  /** Data → latent and the per-sample {@code log|det ∂z/∂x|}, in the interpretation {@code ops}. */
  <T> Mapped<T> forward(TensorOps<T> ops, T x);

  /** Latent → data, in the interpretation {@code ops}. */
  <T> T inverse(TensorOps<T> ops, T z);

  /** The eager interpretation the JVM passes compute in (float32 unless a layer's scope says). */
  default EagerOps eager() {
    return EagerOps.FLOAT32;
  }

  @Override
  default Transformed forward(NDArray x, LogDetMode mode) {
    Mapped<NDArray> z = forward(eager(), x);
    return new Transformed(z.value(), z.logDet(), LogDetMode.EXACT);
  }

  @Override
  default NDArray inverse(NDArray z) {
    return inverse(eager(), z);
  }

  @Override
  default OnnxTransformed emitForward(OnnxGraph graph, OnnxTensor x) {
    Mapped<Traced> z = forward(new OnnxOps(graph), Traced.of(x));
    return new OnnxTransformed(z.value().tensor(), z.logDet().name());
  }

  @Override
  default OnnxTensor emitInverse(OnnxGraph graph, OnnxTensor z) {
    return inverse(new OnnxOps(graph), Traced.of(z)).tensor();
  }
}
