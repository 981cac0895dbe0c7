package org.flowlab.api.bijector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.function.UnaryOperator;
import org.flowlab.api.nn.DefinedLayer;
import org.flowlab.api.nn.EagerOps;
import org.flowlab.api.ops.Mapped;
import org.flowlab.api.ops.TensorOps;

/**
 * A coupling layer, the shape NICE, RealNVP, Glow and neural spline flows share, written once. The
 * input divides into the kept part x₁, which passes unchanged, and the changed part x₂. Forward
 * (data → latent): {@code z₂ = τ(x₂; θ)} with {@code θ = conditioner(x₁)}, τ an {@link
 * ElementwiseTransform}; log-det {@code Σ log τ'}. Inverse: {@code x₂ = τ⁻¹(z₂; conditioner(z₁))},
 * exact because {@code z₁ = x₁}.
 *
 * <p>The conditioner outputs θ as τ's P blocks one after another on axis 1 ({@link
 * ElementwiseTransform#forwardStacked}): {@code (N, P·c₂, rest...)} for x₂ of shape {@code (N, c₂,
 * rest...)}; its last layer starting at zero makes most τ start as the identity.
 *
 * <p>Two ways to divide the input:
 *
 * <ul>
 *   <li>a {@link Partition} of axis 1 (the features of vectors, the channels of images): x₁ and x₂
 *       are the two parts, and only x₂ is transformed. Conditional ({@code contextDim > 0}): the
 *       conditioner reads x₁ with the context appended on axis 1, {@code θ = conditioner([x₁, c])}.
 *   <li>{@link #masked an elementwise mask} (a checkerboard over an image): the conditioner sees
 *       {@code x⊙m}, and τ maps all of x with θ zeroed where the mask keeps, so τ must be exactly
 *       the identity at θ = 0 (affine with a bounded log-scale or standardizing, additive; a spline
 *       is only to rounding).
 * </ul>
 */
public final class Coupling implements ConditionalBijector {
  private final Partition partition;

  /** The mask (1 = kept), shape {@code (1, event...)}; null for a partition. */
  private final NDArray mask;

  /**
   * {@code 1 − mask} repeated for τ's P blocks, {@code (1, P·c, rest...)}; null for a partition.
   */
  private final NDArray stackedComplement;

  private final Shape changedShape;
  private final DefinedLayer conditioner;
  private final ElementwiseTransform transform;
  private final int contextDim;

  /**
   * A coupling that divides axis 1 with {@code partition}.
   *
   * @param partition which entries of axis 1 are kept
   * @param changedShape the event shape of x₂, {@code (partition.changedSize(), rest...)}
   * @param conditioner from {@code [x₁, context]} to {@code P · changedShape[0]} entries on axis 1
   * @param transform τ
   * @param contextDim features of the context appended to x₁ (0: none; vectors only)
   */
  public Coupling(
      Partition partition,
      Shape changedShape,
      DefinedLayer conditioner,
      ElementwiseTransform transform,
      int contextDim) {
    this(partition, null, null, changedShape, conditioner, transform, contextDim);
  }

  private Coupling(
      Partition partition,
      NDArray mask,
      NDArray stackedComplement,
      Shape changedShape,
      DefinedLayer conditioner,
      ElementwiseTransform transform,
      int contextDim) {
    this.partition = partition;
    this.mask = mask;
    this.stackedComplement = stackedComplement;
    this.changedShape = changedShape;
    this.conditioner = conditioner;
    this.transform = transform;
    this.contextDim = contextDim;
  }

  /**
   * A coupling that divides the input elementwise: the conditioner sees {@code x⊙m} and τ, the
   * identity at θ = 0, maps all of x with θ zeroed where {@code m = 1}.
   *
   * @param mask 1 for the entries kept, {@code eventShape.size()} values, row-major
   * @param eventShape the input's event shape
   * @param manager where the mask arrays live
   * @param conditioner from {@code x⊙m} to {@code P · eventShape[0]} entries on axis 1
   * @param transform τ
   */
  public static Coupling masked(
      float[] mask,
      Shape eventShape,
      NDManager manager,
      DefinedLayer conditioner,
      ElementwiseTransform transform) {
    int size = mask.length;
    if (size != eventShape.size()) {
      throw new IllegalArgumentException(
          "the mask has " + size + " values for an event of shape " + eventShape);
    }
    int p = transform.paramsPerElement();
    float[] complement = new float[p * size];
    for (int i = 0; i < complement.length; i++) {
      complement[i] = 1 - mask[i % size];
    }
    Shape stacked = new Shape(1, p * eventShape.get(0)).addAll(eventShape.slice(1));
    return new Coupling(
        null,
        manager.create(mask, new Shape(1).addAll(eventShape)),
        manager.create(complement, stacked),
        eventShape,
        conditioner,
        transform,
        0);
  }

  @Override
  public EagerOps eager() {
    return conditioner.eager();
  }

  @Override
  public int contextDim() {
    return contextDim;
  }

  @Override
  public <T> Mapped<T> forward(TensorOps<T> ops, T x, T context) {
    return couple(ops, x, context, kept -> conditioner.apply(ops, kept));
  }

  @Override
  public <T> T inverse(TensorOps<T> ops, T z, T context) {
    List<T> parts = split(ops, z);
    T theta = params(ops, parts.get(0), context, kept -> conditioner.apply(ops, kept));
    return join(
        ops, parts.get(0), transform.inverseStacked(ops, parts.get(1), theta, changedShape));
  }

  /**
   * The forward pass on the first training batch, its conditioner run through {@link
   * DefinedLayer#initialize} (an actnorm inside sets itself from its input).
   */
  @Override
  public NDArray initialize(NDArray x) {
    if (contextDim > 0) {
      return ConditionalBijector.super.initialize(x);
    }
    return couple(eager(), x, null, conditioner::initialize).value();
  }

  /** {@code z₂ = τ(x₂; net([x₁, c]))} joined with x₁, and {@code Σ log τ'}. */
  private <T> Mapped<T> couple(TensorOps<T> ops, T x, T context, UnaryOperator<T> net) {
    List<T> parts = split(ops, x);
    T theta = params(ops, parts.get(0), context, net);
    Mapped<T> r = transform.forwardStacked(ops, parts.get(1), theta, changedShape);
    return new Mapped<>(join(ops, parts.get(0), r.value()), r.logDet());
  }

  /** (what the conditioner sees, what τ maps): x₁ and x₂, or {@code x⊙m} and x for a mask. */
  private <T> List<T> split(TensorOps<T> ops, T x) {
    return partition != null
        ? partition.split(ops, x)
        : List.of(ops.mul(x, ops.parameter(mask)), x);
  }

  private <T> T join(TensorOps<T> ops, T kept, T changed) {
    return partition != null ? partition.join(ops, kept, changed) : changed;
  }

  /** θ stacked on axis 1, from x₁ (and the context), zeroed on the kept entries of a mask. */
  private <T> T params(TensorOps<T> ops, T kept, T context, UnaryOperator<T> net) {
    T theta = net.apply(context == null ? kept : ops.concat(kept, context, 1));
    return stackedComplement == null ? theta : ops.mul(theta, ops.parameter(stackedComplement));
  }
}
