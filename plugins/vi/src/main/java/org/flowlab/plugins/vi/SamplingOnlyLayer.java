package org.flowlab.plugins.vi;

import ai.djl.ndarray.NDArray;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.Contexts;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.nn.EagerOps;
import org.flowlab.api.onnx.OnnxBijector;
import org.flowlab.api.onnx.OnnxExportException;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxTensor;
import org.flowlab.api.onnx.OnnxTransformed;
import org.flowlab.api.ops.Mapped;
import org.flowlab.api.ops.OnnxOps;
import org.flowlab.api.ops.TensorOps;
import org.flowlab.api.ops.Traced;

/**
 * A layer given in the latent → data direction only, written once in {@link #sample} over {@link
 * TensorOps}: {@link #sampleForward} and {@link #inverse} (latent → data) run it eagerly, {@link
 * #emitSampleForward} and {@link #emitInverse} record it (a sampler export). {@link #forward} (data
 * → latent) has no closed form and throws, and so does the ONNX emission of that direction.
 *
 * <p>Context: a layer built with {@code contextDim} &gt; 0 is amortised ({@link Amortized}): its
 * parameters follow the context {@code (N, contextDim)}, which every pass then needs; one built
 * with 0 refuses a context ({@link Contexts}).
 */
abstract class SamplingOnlyLayer implements Bijector, OnnxBijector {
  private final String family;
  private final int contextDim;
  private final EagerOps eager;

  /**
   * @param family the family name, for the error messages
   * @param contextDim features of the context the layer's parameters follow (0: none)
   * @param eager the eager interpretation the JVM passes compute in
   */
  SamplingOnlyLayer(String family, int contextDim, EagerOps eager) {
    this.family = family;
    this.contextDim = contextDim;
    this.eager = eager;
  }

  /**
   * Latent → data and the per-sample {@code log|det ∂x/∂z|}, in the interpretation {@code ops}.
   *
   * @param z the latent batch {@code (N, d)}
   * @param context {@code (N, contextDim)}, null exactly when {@code contextDim() == 0}
   */
  abstract <T> Mapped<T> sample(TensorOps<T> ops, T z, T context);

  @Override
  public final int contextDim() {
    return contextDim;
  }

  @Override
  public final Transformed sampleForward(NDArray z) {
    return sampleForward(z, null);
  }

  @Override
  public final Transformed sampleForward(NDArray z, NDArray context) {
    Mapped<NDArray> x = sample(eager, z, Contexts.checked(context, contextDim, z, this));
    return new Transformed(x.value(), x.logDet(), LogDetMode.EXACT);
  }

  /** Latent → data, the map itself without its log-det. */
  @Override
  public final NDArray inverse(NDArray z) {
    return sampleForward(z, null).value();
  }

  @Override
  public final NDArray inverse(NDArray z, NDArray context) {
    return sampleForward(z, context).value();
  }

  @Override
  public final Transformed forward(NDArray x, LogDetMode mode) {
    throw new UnsupportedOperationException(
        family
            + " offers the sampling direction only: its latent → data map has no closed-form"
            + " inverse, so there is no data → latent pass (no log-density of given data)");
  }

  @Override
  public final Transformed forward(NDArray x, NDArray context, LogDetMode mode) {
    return forward(x, mode);
  }

  @Override
  public final OnnxTransformed emitForward(OnnxGraph graph, OnnxTensor x) {
    throw new OnnxExportException(
        family
            + " offers sampling only: no log_prob model can be exported (its latent → data map has"
            + " no closed-form inverse)");
  }

  @Override
  public final OnnxTransformed emitForward(OnnxGraph graph, OnnxTensor x, OnnxTensor context) {
    return emitForward(graph, x);
  }

  /** Emits the latent → data map. */
  @Override
  public final OnnxTensor emitInverse(OnnxGraph graph, OnnxTensor z) {
    return emitInverse(graph, z, null);
  }

  @Override
  public final OnnxTensor emitInverse(OnnxGraph graph, OnnxTensor z, OnnxTensor context) {
    return emitSampleForward(graph, z, context).value();
  }

  /** Emits the latent → data map and its log-det: {@link #sample} recorded. */
  @Override
  public final OnnxTransformed emitSampleForward(
      OnnxGraph graph, OnnxTensor z, OnnxTensor context) {
    Traced c = Contexts.emitted(context, contextDim, this) == null ? null : Traced.of(context);
    Mapped<Traced> x = sample(new OnnxOps(graph), Traced.of(z), c);
    return new OnnxTransformed(x.value().tensor(), x.logDet().name());
  }

  /** Row sums kept as a column: {@code (B, n)} → {@code (B, 1)}. */
  static <T> T rowSum(TensorOps<T> ops, T x) {
    return ops.unsqueeze(ops.sum(x, 1), 1);
  }
}
