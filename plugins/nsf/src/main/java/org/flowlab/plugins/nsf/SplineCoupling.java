package org.flowlab.plugins.nsf;

import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.bijector.DefinedBijector;
import org.flowlab.api.bijector.ElementwiseTransform;
import org.flowlab.api.bijector.Partition;
import org.flowlab.api.nn.EagerOps;
import org.flowlab.api.ops.Mapped;
import org.flowlab.api.ops.TensorOps;

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
 * <p>Conditional (vectors, a context of k &gt; 0 features): the conditioner reads x₁ with the
 * context appended, {@code θ = net([x₁, c])}.
 */
final class SplineCoupling implements DefinedBijector {
  private final Partition partition;
  private final Conditioner net;
  private final ElementwiseTransform transform;
  private final Shape paramsShape;
  private final int contextDim;

  /**
   * @param partition a prefix or suffix of axis 1
   * @param changedShape the event shape of x₂
   * @param net from x₁ to {@code P · changedShape[0]} entries on axis 1
   * @param transform τ
   * @param contextDim features of the context appended to x₁ before the net (0: none; vectors only)
   */
  SplineCoupling(
      Partition partition,
      Shape changedShape,
      Conditioner net,
      ElementwiseTransform transform,
      int contextDim) {
    this.contextDim = contextDim;
    this.partition = partition;
    this.net = net;
    this.transform = transform;
    this.paramsShape = new Shape(-1, transform.paramsPerElement()).addAll(changedShape);
  }

  @Override
  public EagerOps eager() {
    return net.eager();
  }

  @Override
  public int contextDim() {
    return contextDim;
  }

  @Override
  public <T> Mapped<T> forward(TensorOps<T> ops, T x) {
    return forward(ops, x, null);
  }

  @Override
  public <T> T inverse(TensorOps<T> ops, T z) {
    return inverse(ops, z, null);
  }

  @Override
  public <T> Mapped<T> forward(TensorOps<T> ops, T x, T context) {
    List<T> parts = partition.split(ops, x);
    Mapped<T> r = transform.forward(ops, parts.get(1), params(ops, parts.get(0), context));
    return new Mapped<>(partition.join(ops, parts.get(0), r.value()), ops.sumAfter(r.logDet(), 1));
  }

  @Override
  public <T> T inverse(TensorOps<T> ops, T z, T context) {
    List<T> parts = partition.split(ops, z);
    Mapped<T> r = transform.inverse(ops, parts.get(1), params(ops, parts.get(0), context));
    return partition.join(ops, parts.get(0), r.value());
  }

  /** θ for x₂, shape {@code (N, P, changedShape...)}, from x₁ and the context (null: none). */
  private <T> T params(TensorOps<T> ops, T kept, T context) {
    T in = context == null ? kept : ops.concat(kept, context, 1);
    return ops.reshape(net.apply(ops, in), paramsShape);
  }
}
