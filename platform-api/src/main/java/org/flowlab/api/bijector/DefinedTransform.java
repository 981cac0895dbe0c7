package org.flowlab.api.bijector;

import ai.djl.ndarray.NDArray;
import org.flowlab.api.nn.EagerOps;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.ops.Mapped;
import org.flowlab.api.ops.OnnxOps;
import org.flowlab.api.ops.TensorOps;
import org.flowlab.api.ops.Traced;

/**
 * An {@link ElementwiseTransform} whose two directions are written once, over {@link TensorOps};
 * the JVM passes and the ONNX emissions run those definitions eagerly and recorded. The emissions
 * get value names without shapes, so a definition uses elementwise ops and {@link TensorOps#blocks}
 * only.
 */
public interface DefinedTransform extends ElementwiseTransform {
  /** {@code y = τ(x; θ)} and {@code log|∂y/∂x|} per element, in the interpretation {@code ops}. */
  <T> Mapped<T> forward(TensorOps<T> ops, T x, T params);

  /**
   * {@code x = τ⁻¹(y; θ)} and {@code log|∂x/∂y|} per element, in the interpretation {@code ops}.
   */
  <T> Mapped<T> inverse(TensorOps<T> ops, T y, T params);

  @Override
  default Result forward(NDArray x, NDArray params) {
    Mapped<NDArray> y = forward(EagerOps.FLOAT32, x, params);
    return new Result(y.value(), y.logDet());
  }

  @Override
  default Result inverse(NDArray y, NDArray params) {
    Mapped<NDArray> x = inverse(EagerOps.FLOAT32, y, params);
    return new Result(x.value(), x.logDet());
  }

  @Override
  default Emitted emitForward(OnnxGraph graph, String x, String params) {
    Mapped<Traced> y = forward(new OnnxOps(graph), Traced.named(x), Traced.named(params));
    return new Emitted(y.value().name(), y.logDet().name());
  }

  @Override
  default Emitted emitInverse(OnnxGraph graph, String y, String params) {
    Mapped<Traced> x = inverse(new OnnxOps(graph), Traced.named(y), Traced.named(params));
    return new Emitted(x.value().name(), x.logDet().name());
  }
}
