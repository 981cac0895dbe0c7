package org.flowlab.api.bijector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.Contexts;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.ConditionalMade;
import org.flowlab.api.nn.EagerOps;
import org.flowlab.api.nn.Made;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.ops.Mapped;
import org.flowlab.api.ops.TensorOps;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.spi.FamilyBuildException;

/**
 * An autoregressive bijector on vectors {@code (N, d)}: an elementwise transform τ whose parameters
 * for element j come from a {@link Made} conditioner that sees only the elements ordered before j.
 * Call {@code g(u) = τ(u; Made(u))} its one-pass map; the Jacobian of g is triangular in the order,
 * so its log-det is the sum of τ's log-derivatives. The inverse of g solves for u one element at a
 * time: starting from {@code u = v}, each pass {@code u ← τ⁻¹(v; Made(u))} settles one more element
 * in the order, so {@link Made#inversePasses()} passes (d for a full MADE) give the exact inverse.
 *
 * <p>{@link Direction} says which way g points. Direction as everywhere: forward = data → latent.
 *
 * <ul>
 *   <li>{@link Direction#MAF} (Papamakarios et al. 2017): forward {@code z = g(x)}, density in one
 *       pass; inverse (sampling) by the passes.
 *   <li>{@link Direction#IAF} (Kingma et al. 2016): inverse {@code x = g(z)}, the conditioner
 *       reading the latent, sampling in one pass; forward (density of given data) by the passes.
 * </ul>
 *
 * <p>Parameters (relative to the scope): the MADE's, {@code made.0.weight}, {@code made.0.mask}, …
 * Its output is reshaped to {@code (N, P, d)}, P = {@code transform.paramsPerElement()}.
 *
 * <p>Built with a context size k &gt; 0, the conditioner is a {@link ConditionalMade} (its context
 * maps {@code made.context.*} and {@code made.context_out.*}): τ's parameters for element j depend
 * on the elements before j and on the context, and every method needs a context {@code (N, k)}.
 */
public final class Autoregressive implements ConditionalBijector {
  /** Which direction of an autoregressive bijector takes a single pass. */
  public enum Direction {
    /** Data → latent in one pass (masked autoregressive flow): fast density, slow sampling. */
    MAF,
    /** Latent → data in one pass (inverse autoregressive flow): fast sampling, slow density. */
    IAF
  }

  private final Made made;
  private final ConditionalMade conditional; // null without a context
  private final ElementwiseTransform transform;
  private final Direction direction;
  private final Shape paramsShape;
  private final EagerOps eager;

  /**
   * @param scope where the conditioner registers {@code made.*}
   * @param order {@code order[i]} is element {@code i}'s place in the autoregressive order, a
   *     permutation of 1..d, d ≥ 2 ({@link Made#naturalOrder}, {@link Made#randomOrder})
   * @param hidden the MADE's hidden widths (at least one; d − 1 or wider keeps every degree)
   * @param activation the MADE's nonlinearity
   * @param transform the elementwise map τ
   * @param direction which direction is the one-pass map g
   * @param zeroLast whether the MADE's output layer starts at zero (τ at parameters 0: the identity
   *     for a soft-clamped affine map)
   */
  public Autoregressive(
      ParameterScope scope,
      int[] order,
      List<Integer> hidden,
      Activation activation,
      ElementwiseTransform transform,
      Direction direction,
      boolean zeroLast) {
    this(scope, order, hidden, activation, transform, direction, zeroLast, 0);
  }

  /**
   * An autoregressive bijector conditioned on a context of {@code contextDim} features (0: none,
   * the constructor above); the other parameters as there.
   */
  public Autoregressive(
      ParameterScope scope,
      int[] order,
      List<Integer> hidden,
      Activation activation,
      ElementwiseTransform transform,
      Direction direction,
      boolean zeroLast,
      int contextDim) {
    this(scope, order, hidden, activation, false, transform, direction, zeroLast, contextDim);
  }

  /**
   * An autoregressive bijector whose conditioner may be a residual MADE ({@code residual}: see
   * {@link Made#Made(ParameterScope, int[], List, int, Activation, boolean, boolean)}); the other
   * parameters as above.
   */
  public Autoregressive(
      ParameterScope scope,
      int[] order,
      List<Integer> hidden,
      Activation activation,
      boolean residual,
      ElementwiseTransform transform,
      Direction direction,
      boolean zeroLast,
      int contextDim) {
    int p = transform.paramsPerElement();
    ParameterScope madeScope = scope.child("made");
    if (contextDim > 0) {
      this.conditional =
          new ConditionalMade(
              madeScope, order, hidden, p, activation, zeroLast, residual, contextDim);
      this.made = conditional.made();
    } else {
      this.conditional = null;
      this.made = new Made(madeScope, order, hidden, p, activation, zeroLast, residual);
    }
    this.transform = transform;
    this.direction = direction;
    this.paramsShape = new Shape(-1, p, order.length);
    this.eager = EagerOps.of(scope.autocast());
  }

  /**
   * The vector size d of a family whose autoregressive layers run on flattened data: vectors (d), d
   * ≥ 2, or images (c, h, w) flattened to c·h·w; a context only with vectors.
   *
   * @param family the family's name, for the messages
   * @throws FamilyBuildException for any other shape, or a context with images
   */
  public static int flattenedSize(String family, BuildContext context) {
    Shape shape = context.eventShape();
    if ((shape.dimension() != 1 && shape.dimension() != 3) || shape.size() < 2) {
      throw new FamilyBuildException(
          null,
          family + " supports vectors (d ≥ 2) and images (c, h, w), got event shape " + shape);
    }
    context.requireVectorsForContext(family);
    return Math.toIntExact(shape.size());
  }

  /**
   * A stack of autoregressive layers on vectors {@code (d)}, data → latent: layer k is an optional
   * {@link ActNorm} (scope {@code actnorm.k}) and then an {@link Autoregressive} (scope {@code
   * layer.k}) in the k-th of {@link Made#orders}, so that every element is conditioned on every
   * other somewhere in the stack. The body of the MAF, IAF and RQ-NSF(AR) families.
   *
   * @param scope the flow's root scope (its seed draws random orders)
   * @param d the vector dimension, at least 2
   * @param layers number of autoregressive layers, at least 1
   * @param ordering {@code natural}, {@code reversed} or {@code random} (see {@link Made#orders})
   * @param hidden each MADE's hidden widths
   * @param activation each MADE's nonlinearity
   * @param residual whether each MADE is a residual MADE (equal hidden widths, at least two)
   * @param transform the elementwise map of every layer
   * @param direction which direction takes one pass
   * @param actnorm whether an actnorm (batch-free normalisation) precedes each layer
   * @param zeroLast whether each MADE's output layer starts at zero
   * @param contextDim features of the context every layer is conditioned on (0: none)
   */
  public static List<Bijector> stack(
      ParameterScope scope,
      int d,
      int layers,
      String ordering,
      List<Integer> hidden,
      Activation activation,
      boolean residual,
      ElementwiseTransform transform,
      Direction direction,
      boolean actnorm,
      boolean zeroLast,
      int contextDim) {
    int[][] orders = Made.orders(ordering, d, layers, scope.seed());
    List<Bijector> steps = new ArrayList<>();
    for (int k = 0; k < layers; k++) {
      if (actnorm) {
        steps.add(new ActNorm(scope.child("actnorm." + k), new Shape(d)));
      }
      steps.add(
          new Autoregressive(
              scope.child("layer." + k),
              orders[k],
              hidden,
              activation,
              residual,
              transform,
              direction,
              zeroLast,
              contextDim));
    }
    return steps;
  }

  /** The conditioner. */
  public Made made() {
    return made;
  }

  /** Which direction takes a single pass. */
  public Direction direction() {
    return direction;
  }

  @Override
  public EagerOps eager() {
    return eager;
  }

  @Override
  public int contextDim() {
    return conditional == null ? 0 : conditional.contextDim();
  }

  /** Data → latent: g for MAF, the passes for IAF; log-det {@code Σ_j} of the log-derivatives. */
  @Override
  public <T> Mapped<T> forward(TensorOps<T> ops, T x, T context) {
    Mapped<T> r = direction == Direction.MAF ? onePass(ops, x, context) : passes(ops, x, context);
    return new Mapped<>(r.value(), ops.sumAfter(r.logDet(), 1));
  }

  /** Latent → data: the passes for MAF, g for IAF. */
  @Override
  public <T> T inverse(TensorOps<T> ops, T z, T context) {
    return (direction == Direction.MAF ? passes(ops, z, context) : onePass(ops, z, context))
        .value();
  }

  /**
   * Latent → data with {@code log|det ∂x/∂z|}: for IAF one pass of {@code g}, whose log-derivatives
   * come with it (the Jacobian is triangular in the order), instead of the default's inverse and
   * then the d-pass density; MAF keeps the default.
   */
  @Override
  public Transformed sampleForward(NDArray z) {
    return direction == Direction.IAF
        ? onePassSample(z, null)
        : ConditionalBijector.super.sampleForward(z);
  }

  @Override
  public Transformed sampleForward(NDArray z, NDArray context) {
    return direction == Direction.IAF
        ? onePassSample(z, Contexts.checked(context, contextDim(), z, this))
        : ConditionalBijector.super.sampleForward(z, context);
  }

  private Transformed onePassSample(NDArray z, NDArray context) {
    Mapped<NDArray> x = onePass(eager(), z, context);
    return new Transformed(x.value(), eager().sumAfter(x.logDet(), 1), LogDetMode.EXACT);
  }

  /**
   * Data → latent computed eagerly: as {@link #forward(TensorOps, Object, Object)}, with IAF's
   * passes run as {@link #scopedPasses}.
   */
  @Override
  public Transformed forward(NDArray x, NDArray context, LogDetMode mode) {
    NDArray c = Contexts.checked(context, contextDim(), x, this);
    Mapped<NDArray> r = direction == Direction.MAF ? onePass(eager, x, c) : scopedPasses(x, c);
    return new Transformed(r.value(), eager.sumAfter(r.logDet(), 1), LogDetMode.EXACT);
  }

  /**
   * Latent → data computed eagerly: as {@link #inverse(TensorOps, Object, Object)}, with MAF's
   * passes run as {@link #scopedPasses}.
   */
  @Override
  public NDArray inverse(NDArray z, NDArray context) {
    NDArray c = Contexts.checked(context, contextDim(), z, this);
    return (direction == Direction.MAF ? scopedPasses(z, c) : onePass(eager, z, c)).value();
  }

  /**
   * {@link #passes} in the eager interpretation, each pass in its own {@link NDScope}: a pass's
   * intermediates (the MADE's masked weights among them, 5 MB a pass for a 784-d MADE of width 512,
   * so 12 GB over the 2,565 passes of a 5-layer sample) are freed as it ends, and the previous
   * pass's result once replaced. Safe while autograd records: closing a DJL array drops only the
   * Java side's reference, PyTorch's graph keeps what backward needs.
   */
  private Mapped<NDArray> scopedPasses(NDArray v, NDArray context) {
    NDArray u = v;
    Mapped<NDArray> r = null;
    for (int k = 0; k < made.inversePasses(); k++) {
      Mapped<NDArray> next;
      try (NDScope scope = new NDScope()) {
        next = transform.inverse(eager, v, params(eager, u, context));
        NDScope.unregister(new NDList(next.value(), next.logDet()));
      }
      if (r != null) {
        r.value().close();
        r.logDet().close();
      }
      r = next;
      u = r.value();
    }
    return r;
  }

  /** {@code g(u) = τ(u; Made(u))}. */
  private <T> Mapped<T> onePass(TensorOps<T> ops, T u, T context) {
    return transform.forward(ops, u, params(ops, u, context));
  }

  /**
   * {@code g⁻¹(v)}: {@code u ← τ⁻¹(v; Made(u))} from {@code u = v}, a fixed number of passes (in a
   * graph, unrolled: the MADE is recorded again over the same initializers). The last pass's
   * parameters are those of the solution, so its log-derivatives are the exact {@code log|∂u/∂v|}.
   */
  private <T> Mapped<T> passes(TensorOps<T> ops, T v, T context) {
    T u = v;
    Mapped<T> r = null;
    for (int k = 0; k < made.inversePasses(); k++) {
      r = transform.inverse(ops, v, params(ops, u, context));
      u = r.value();
    }
    return r;
  }

  /** The MADE's output for {@code u}, reading the context when conditioned on one. */
  private <T> T params(TensorOps<T> ops, T u, T context) {
    T raw = conditional == null ? made.apply(ops, u) : conditional.apply(ops, u, context);
    return ops.reshape(raw, paramsShape);
  }
}
