package org.flowlab.plugins.realnvp;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.bijector.Partition;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.Contexts;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.Mlp;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.nn.Scalars;
import org.flowlab.api.onnx.OnnxBijector;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxTensor;
import org.flowlab.api.onnx.OnnxTransformed;

/**
 * An affine coupling on vectors. The mask divides the features ({@link Partition}) into the kept
 * ones x₁ (mask 1), which pass unchanged, and the changed ones x₂. Forward (data → latent): {@code
 * z₂ = x₂⊙exp(s) + t} with {@code (s, t) = net(x₁)}; log-det {@code Σ s}. Inverse: {@code x₂ = (z₂
 * − t)⊙exp(−s)}, with s and t computed from {@code z₁ = x₁}.
 *
 * <p>The conditioner is an {@link Mlp} from the kept features to (s, t) for the changed ones, whose
 * last layer starts at zero, so the coupling starts as the identity. Its log-scale is bounded:
 * {@code s = factor·tanh(raw)} with a learned per-feature {@code scale_factor} (one per changed
 * feature) starting at 1, or a soft clamp {@code s = b·tanh(raw/b)} with a fixed bound.
 *
 * <p>Conditional (a context of k &gt; 0 features): the MLP reads the kept features with the context
 * appended, {@code (s, t) = net([x₁, c])}.
 */
final class AffineCoupling implements Bijector, OnnxBijector {
  private final Partition partition;
  private final Mlp net;
  private final NDArray scaleFactor;
  private final double bound;
  private final int contextDim;

  /**
   * @param scope where {@code net.*} (and {@code scale_factor}) are registered
   * @param mask 1 for the dimensions that pass unchanged, 0 for those transformed
   * @param hidden the conditioner's hidden widths
   * @param activation the conditioner's nonlinearity
   * @param learnedScale true for {@code factor·tanh(raw)}, false for the soft clamp
   * @param bound the soft clamp's bound (unused with a learned scale)
   * @param contextDim features of the context the conditioner reads (0: none)
   */
  AffineCoupling(
      ParameterScope scope,
      float[] mask,
      List<Integer> hidden,
      Activation activation,
      boolean learnedScale,
      double bound,
      int contextDim) {
    this.partition = new Partition(mask, scope.manager());
    int changed = partition.changedSize();
    int in = partition.keptSize() + contextDim;
    this.net = new Mlp(scope.child("net"), in, hidden, 2 * changed, activation, true);
    this.contextDim = contextDim;
    this.scaleFactor =
        learnedScale ? scope.trainable("scale_factor", new Shape(changed), Initializer.ONES) : null;
    this.bound = bound;
  }

  @Override
  public int contextDim() {
    return contextDim;
  }

  @Override
  public Transformed forward(NDArray x, LogDetMode mode) {
    return forward(x, null, mode);
  }

  @Override
  public Transformed forward(NDArray x, NDArray context, LogDetMode mode) {
    NDList parts = partition.split(x);
    NDList st = shiftAndLogScale(parts.get(0), Contexts.checked(context, contextDim, x, this));
    NDArray s = st.get(0);
    NDArray changed = parts.get(1).mul(s.exp()).add(st.get(1));
    return new Transformed(
        partition.join(parts.get(0), changed), s.sum(new int[] {1}), LogDetMode.EXACT);
  }

  @Override
  public NDArray inverse(NDArray z) {
    return inverse(z, null);
  }

  @Override
  public NDArray inverse(NDArray z, NDArray context) {
    NDList parts = partition.split(z);
    NDList st = shiftAndLogScale(parts.get(0), Contexts.checked(context, contextDim, z, this));
    NDArray changed = parts.get(1).sub(st.get(1)).mul(st.get(0).neg().exp());
    return partition.join(parts.get(0), changed);
  }

  /**
   * Emits {@code z₂ = x₂·exp(s) + t} and {@code Σ s}, with (s, t) emitted as the JVM computes them.
   */
  @Override
  public OnnxTransformed emitForward(OnnxGraph graph, OnnxTensor x) {
    return emitForward(graph, x, null);
  }

  @Override
  public OnnxTransformed emitForward(OnnxGraph graph, OnnxTensor x, OnnxTensor context) {
    List<String> parts = partition.emitSplit(graph, x.name());
    String[] st = emitShiftAndLogScale(graph, parts.get(0), context);
    String changed = graph.add(graph.mul(parts.get(1), graph.exp(st[0])), st[1]);
    return new OnnxTransformed(
        x.with(partition.emitJoin(graph, parts.get(0), changed)), graph.reduceSum(st[0], false, 1));
  }

  /** Emits {@code x₂ = (z₂ − t)·exp(−s)}. */
  @Override
  public OnnxTensor emitInverse(OnnxGraph graph, OnnxTensor z) {
    return emitInverse(graph, z, null);
  }

  @Override
  public OnnxTensor emitInverse(OnnxGraph graph, OnnxTensor z, OnnxTensor context) {
    List<String> parts = partition.emitSplit(graph, z.name());
    String[] st = emitShiftAndLogScale(graph, parts.get(0), context);
    String changed = graph.mul(graph.sub(parts.get(1), st[1]), graph.exp(graph.neg(st[0])));
    return z.with(partition.emitJoin(graph, parts.get(0), changed));
  }

  private String[] emitShiftAndLogScale(OnnxGraph graph, String kept, OnnxTensor context) {
    long changed = partition.changedSize();
    OnnxTensor input =
        new OnnxTensor(
            Contexts.emitAppend(graph, kept, context, contextDim),
            new Shape(partition.keptSize() + contextDim));
    List<String> raw = graph.split(net.emit(graph, input).name(), 1, changed, changed);
    String s =
        scaleFactor != null
            ? graph.mul(graph.tanh(raw.get(0)), graph.initializer("scale_factor", scaleFactor))
            : graph.mulScalar(graph.tanh(graph.div(raw.get(0), graph.scalar(bound))), bound);
    return new String[] {s, raw.get(1)};
  }

  /** (s, t) for the changed features, from the kept ones and the context (null: none). */
  private NDList shiftAndLogScale(NDArray kept, NDArray context) {
    NDList raw = net.forward(Contexts.append(kept, context)).split(2, 1);
    NDArray s =
        scaleFactor != null
            ? raw.get(0).tanh().mul(scaleFactor)
            : Scalars.mul(Scalars.div(raw.get(0), bound).tanh(), bound);
    return new NDList(s, raw.get(1));
  }
}
