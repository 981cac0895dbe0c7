package org.flowlab.plugins.ffjord;

import ai.djl.ndarray.NDArray;
import org.flowlab.api.nn.Jvp;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxJvp;
import org.flowlab.api.onnx.OnnxTensor;

/**
 * A CNF's time-conditioned vector field {@code f(z, t)} on events of a fixed shape (vectors {@code
 * (d)} for {@link TimeMlp}, images {@code (c, h, w)} for {@link TimeConvNet}), with its
 * forward-mode derivatives in z (t is not a tangent direction) and their ONNX emission at a
 * constant t.
 */
interface TimeNet {
  /** {@code f(z, t)} for a batch z; {@code t} has shape (1). */
  NDArray forward(NDArray z, NDArray t);

  /** {@code f(z, t)} and {@code J_z f · v}, with v shaped like z. */
  Jvp jvp(NDArray z, NDArray t, NDArray v);

  /**
   * {@code f(z, t)} and the full Jacobian as d tangents {@code J_z f · e_i}, shape {@code (d, n,
   * event...)} with i first (d = elements per event).
   */
  Jvp jacobian(NDArray z, NDArray t);

  /**
   * Emits {@code f(z, t)} and {@code J_z f · v} for k tangents per sample at the constant time t.
   *
   * @param graph the graph being built
   * @param z the state, batch first
   * @param t the time, a constant of this emission (as float32, computed on the JVM)
   * @param tangents per-sample shape {@code (k, event...)}; its batch axis may be 1 (a constant
   *     broadcast over the batch)
   */
  OnnxJvp emitJvp(OnnxGraph graph, OnnxTensor z, NDArray t, OnnxTensor tangents);

  /** Emits {@code f(z, t)} at the constant time t (shape (1)). */
  OnnxTensor emit(OnnxGraph graph, OnnxTensor z, NDArray t);
}
