package org.flowlab.api.bijector;

import ai.djl.ndarray.NDArray;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.Contexts;
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
 * definitions eagerly and recorded, with and without a context.
 *
 * <p>Context: an unconditional bijector writes only the two-argument definitions {@code
 * forward(ops, x)} and {@code inverse(ops, z)}; the three-argument ones default to them and refuse
 * a context. A conditional bijector reports {@link #contextDim()} &gt; 0, writes its math once in
 * {@code forward(ops, x, context)} and {@code inverse(ops, z, context)}, and gets the two-argument
 * ones as those with a null context by implementing {@link ConditionalBijector}. Every JVM pass and
 * emission, plain or context-taking, runs the three-argument definitions after one check ({@link
 * Contexts}): a conditional bijector gets a context of {@code (N, contextDim)}, an unconditional
 * one none, so a definition may rely on {@code context} being null exactly when {@code contextDim()
 * == 0}.
 */
public interface DefinedBijector extends Bijector, OnnxBijector {
  /** Data → latent and the per-sample {@code log|det ∂z/∂x|}, in the interpretation {@code ops}. */
  <T> Mapped<T> forward(TensorOps<T> ops, T x);

  /** Latent → data, in the interpretation {@code ops}. */
  <T> T inverse(TensorOps<T> ops, T z);

  /**
   * {@link #forward(TensorOps, Object)} given a context {@code (N, contextDim)}, null for none. The
   * default, for an unconditional bijector, refuses a context.
   */
  default <T> Mapped<T> forward(TensorOps<T> ops, T x, T context) {
    Contexts.refuseUnless(context == null, this);
    return forward(ops, x);
  }

  /** {@link #inverse(TensorOps, Object)} given a context, null for none; refused by default. */
  default <T> T inverse(TensorOps<T> ops, T z, T context) {
    Contexts.refuseUnless(context == null, this);
    return inverse(ops, z);
  }

  /** The eager interpretation the JVM passes compute in (float32 unless a layer's scope says). */
  default EagerOps eager() {
    return EagerOps.FLOAT32;
  }

  @Override
  default Transformed forward(NDArray x, LogDetMode mode) {
    return forward(x, null, mode);
  }

  @Override
  default NDArray inverse(NDArray z) {
    return inverse(z, null);
  }

  @Override
  default Transformed forward(NDArray x, NDArray context, LogDetMode mode) {
    Mapped<NDArray> z = forward(eager(), x, Contexts.checked(context, contextDim(), x, this));
    return new Transformed(z.value(), z.logDet(), LogDetMode.EXACT);
  }

  @Override
  default NDArray inverse(NDArray z, NDArray context) {
    return inverse(eager(), z, Contexts.checked(context, contextDim(), z, this));
  }

  @Override
  default OnnxTransformed emitForward(OnnxGraph graph, OnnxTensor x) {
    return emitForward(graph, x, null);
  }

  @Override
  default OnnxTensor emitInverse(OnnxGraph graph, OnnxTensor z) {
    return emitInverse(graph, z, null);
  }

  @Override
  default OnnxTransformed emitForward(OnnxGraph graph, OnnxTensor x, OnnxTensor context) {
    Mapped<Traced> z = forward(new OnnxOps(graph), Traced.of(x), traced(context));
    return new OnnxTransformed(z.value().tensor(), z.logDet().name());
  }

  @Override
  default OnnxTensor emitInverse(OnnxGraph graph, OnnxTensor z, OnnxTensor context) {
    return inverse(new OnnxOps(graph), Traced.of(z), traced(context)).tensor();
  }

  /** The context input, checked against {@link #contextDim()}, as a recorded value (or null). */
  private Traced traced(OnnxTensor context) {
    return Contexts.emitted(context, contextDim(), this) == null ? null : Traced.of(context);
  }
}
