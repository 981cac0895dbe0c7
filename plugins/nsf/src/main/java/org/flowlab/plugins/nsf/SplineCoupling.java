package org.flowlab.plugins.nsf;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.bijector.ElementwiseTransform;
import org.flowlab.api.bijector.Partition;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.Contexts;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.onnx.OnnxBijector;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxTensor;
import org.flowlab.api.onnx.OnnxTransformed;

/**
 * A spline coupling (RQ-NSF(C)). The {@link Partition} divides axis 1 (the features of a vector,
 * the channels of an image) into the kept half x₁, which passes unchanged, and the changed half x₂.
 * Forward (data → latent): {@code z₂ = τ(x₂; θ)} with {@code θ = net(x₁)} reshaped to {@code (N, P,
 * shape of x₂)}, τ elementwise ({@link ElementwiseTransform}); log-det {@code Σ log τ'}. Inverse:
 * {@code x₂ = τ⁻¹(z₂; net(z₁))}.
 *
 * <p>The partition keeps a prefix or a suffix of axis 1, whose split and join are a slice and a
 * concatenation along that axis for any rank, so images use it on their channels.
 *
 * <p>Conditional (vectors, a context of k &gt; 0 features): the MLP reads x₁ with the context
 * appended, {@code θ = net([x₁, c])}.
 */
final class SplineCoupling implements Bijector, OnnxBijector {
  private final Partition partition;
  private final Shape keptShape;
  private final Shape changedShape;
  private final Conditioner net;
  private final ElementwiseTransform transform;
  private final int contextDim;

  /**
   * @param partition a prefix or suffix of axis 1
   * @param keptShape the event shape of x₁
   * @param changedShape the event shape of x₂
   * @param net from x₁ to {@code P · changedShape[0]} entries on axis 1
   * @param transform τ
   * @param contextDim features of the context appended to x₁ before the net (0: none; vectors only)
   */
  SplineCoupling(
      Partition partition,
      Shape keptShape,
      Shape changedShape,
      Conditioner net,
      ElementwiseTransform transform,
      int contextDim) {
    this.contextDim = contextDim;
    this.partition = partition;
    this.keptShape = keptShape;
    this.changedShape = changedShape;
    this.net = net;
    this.transform = transform;
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
    ElementwiseTransform.Result r =
        transform.forward(
            parts.get(1), params(parts.get(0), Contexts.checked(context, contextDim, x, this)));
    return new Transformed(
        partition.join(parts.get(0), r.value()), perSample(r.logAbsDet()), LogDetMode.EXACT);
  }

  @Override
  public NDArray inverse(NDArray z) {
    return inverse(z, null);
  }

  @Override
  public NDArray inverse(NDArray z, NDArray context) {
    NDList parts = partition.split(z);
    ElementwiseTransform.Result r =
        transform.inverse(
            parts.get(1), params(parts.get(0), Contexts.checked(context, contextDim, z, this)));
    return partition.join(parts.get(0), r.value());
  }

  @Override
  public OnnxTransformed emitForward(OnnxGraph graph, OnnxTensor x) {
    return emitForward(graph, x, null);
  }

  @Override
  public OnnxTransformed emitForward(OnnxGraph graph, OnnxTensor x, OnnxTensor context) {
    List<String> parts = partition.emitSplit(graph, x.name());
    ElementwiseTransform.Emitted e =
        transform.emitForward(graph, parts.get(1), emitParams(graph, parts.get(0), context));
    String logDet = graph.sumPerSample(new OnnxTensor(e.logAbsDet(), changedShape));
    return new OnnxTransformed(x.with(partition.emitJoin(graph, parts.get(0), e.value())), logDet);
  }

  @Override
  public OnnxTensor emitInverse(OnnxGraph graph, OnnxTensor z) {
    return emitInverse(graph, z, null);
  }

  @Override
  public OnnxTensor emitInverse(OnnxGraph graph, OnnxTensor z, OnnxTensor context) {
    List<String> parts = partition.emitSplit(graph, z.name());
    ElementwiseTransform.Emitted e =
        transform.emitInverse(graph, parts.get(1), emitParams(graph, parts.get(0), context));
    return z.with(partition.emitJoin(graph, parts.get(0), e.value()));
  }

  /** θ for x₂, shape {@code (N, P, changedShape...)}, from x₁ and the context (null: none). */
  private NDArray params(NDArray kept, NDArray context) {
    NDArray in = Contexts.append(kept, context);
    return net.apply(in).reshape(paramsShape(kept.getShape().get(0)));
  }

  private String emitParams(OnnxGraph graph, String kept, OnnxTensor context) {
    String in = Contexts.emitAppend(graph, kept, context, contextDim);
    Shape inShape = contextDim == 0 ? keptShape : new Shape(keptShape.get(0) + contextDim);
    String raw = net.emit(graph, new OnnxTensor(in, inShape)).name();
    return graph.reshape(raw, paramsShape(-1).getShape());
  }

  private Shape paramsShape(long n) {
    long[] dims = new long[changedShape.dimension() + 2];
    dims[0] = n;
    dims[1] = transform.paramsPerElement();
    System.arraycopy(changedShape.getShape(), 0, dims, 2, changedShape.dimension());
    return new Shape(dims);
  }

  private static NDArray perSample(NDArray logAbsDet) {
    long n = logAbsDet.getShape().get(0);
    NDArray flat = logAbsDet.getShape().dimension() == 2 ? logAbsDet : logAbsDet.reshape(n, -1);
    return flat.sum(new int[] {1});
  }
}
