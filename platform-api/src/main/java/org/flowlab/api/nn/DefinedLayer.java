package org.flowlab.api.nn;

import ai.djl.ndarray.NDArray;
import org.flowlab.api.onnx.OnnxExportException;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxJvp;
import org.flowlab.api.onnx.OnnxJvpLayer;
import org.flowlab.api.onnx.OnnxLayer;
import org.flowlab.api.onnx.OnnxTensor;
import org.flowlab.api.ops.Dual;
import org.flowlab.api.ops.OnnxOps;
import org.flowlab.api.ops.TensorOps;
import org.flowlab.api.ops.Traced;

/**
 * A layer whose map is written once, in {@link #apply}; the forward pass, the JVP and both ONNX
 * emissions are that one definition run in the eager, dual and ONNX interpretations.
 */
public interface DefinedLayer extends Layer, OnnxLayer, OnnxJvpLayer {
  /** {@code f(x)} in the interpretation {@code ops}. */
  <T> T apply(TensorOps<T> ops, T x);

  /** The eager interpretation {@link #forward} computes in (the scope's {@link Autocast}). */
  default EagerOps eager() {
    return EagerOps.FLOAT32;
  }

  @Override
  default NDArray forward(NDArray x) {
    return apply(eager(), x);
  }

  /**
   * {@link #forward} on the first training batch; a layer with data-dependent initialisation (an
   * actnorm inside) sets itself from it. The default is the plain forward pass.
   */
  default NDArray initialize(NDArray x) {
    return forward(x);
  }

  @Override
  default Jvp jvp(NDArray x, NDArray v) {
    Dual<NDArray> y = apply(eager().dual(), new Dual<>(x, v));
    return new Jvp(y.primal(), y.tangent() != null ? y.tangent() : y.primal().zerosLike());
  }

  @Override
  default OnnxTensor emit(OnnxGraph graph, OnnxTensor x) {
    return apply(new OnnxOps(graph), Traced.of(x)).tensor();
  }

  @Override
  default OnnxJvp emitJvp(OnnxGraph graph, OnnxTensor x, OnnxTensor tangents) {
    Dual<Traced> y =
        apply(new OnnxOps(graph).tangents(), new Dual<>(Traced.of(x), Traced.of(tangents)));
    if (y.tangent() == null) {
      throw new OnnxExportException(
          getClass().getSimpleName() + " does not depend on its input: no tangents to emit");
    }
    return new OnnxJvp(y.primal().tensor(), y.tangent().tensor());
  }
}
