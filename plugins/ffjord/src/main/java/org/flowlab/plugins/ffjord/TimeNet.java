package org.flowlab.plugins.ffjord;

import ai.djl.ndarray.NDArray;
import java.util.List;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.EagerOps;
import org.flowlab.api.ops.TensorOps;

/**
 * A CNF's time-conditioned vector field {@code f(z, t)} on events of a fixed shape (vectors {@code
 * (d)} for {@link TimeMlp}, images {@code (c, h, w)} for {@link TimeConvNet}), written once over
 * {@link TensorOps}: {@link CnfBlock} runs it eagerly, as dual numbers for {@code J_z f · v} (the
 * time is not a tangent direction) and recorded into ONNX, all from {@link #apply}.
 */
interface TimeNet {
  /** One time-conditioned layer. */
  interface TimeLayer {
    /** The layer of {@code z} at time {@code t} (shape (1)) in the interpretation {@code ops}. */
    <T> T apply(TensorOps<T> ops, T z, NDArray t);
  }

  /** The layers, first first. */
  List<? extends TimeLayer> layers();

  /** The nonlinearity between layers. */
  Activation activation();

  /** The eager interpretation (the scope's autocast) the network computes in. */
  EagerOps eager();

  /**
   * {@code f(z, t)} in the interpretation {@code ops}: layer, activation, …, layer. The time {@code
   * t} (shape (1)) is computed on the JVM: each layer's gate and time term are computed from it
   * there and enter as parameters (differentiable eagerly, constants of a graph).
   */
  default <T> T apply(TensorOps<T> ops, T z, NDArray t) {
    List<? extends TimeLayer> layers = layers();
    for (int k = 0; k < layers.size(); k++) {
      z = layers.get(k).apply(ops, z, t);
      if (k < layers.size() - 1) {
        z = activation().apply(ops, z);
      }
    }
    return z;
  }
}
