package org.flowlab.api.bijector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.flowlab.api.bijector.ElementwiseTransform.Emitted;
import org.flowlab.api.bijector.ElementwiseTransform.Result;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.Contexts;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.ConditionalMade;
import org.flowlab.api.nn.Made;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.onnx.OnnxBijector;
import org.flowlab.api.onnx.OnnxExportException;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxTensor;
import org.flowlab.api.onnx.OnnxTransformed;

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
public final class Autoregressive implements Bijector, OnnxBijector {
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
    int p = transform.paramsPerElement();
    if (contextDim > 0) {
      this.conditional =
          new ConditionalMade(
              scope.child("made"), order, hidden, p, activation, zeroLast, contextDim);
      this.made = conditional.made();
    } else {
      this.conditional = null;
      this.made = new Made(scope.child("made"), order, hidden, p, activation, zeroLast);
    }
    this.transform = transform;
    this.direction = direction;
    this.paramsShape = new Shape(-1, p, order.length);
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
   * @param transform the elementwise map of every layer
   * @param direction which direction takes one pass
   * @param actnorm whether an actnorm (batch-free normalisation) precedes each layer
   * @param zeroLast whether each MADE's output layer starts at zero
   */
  public static List<Bijector> stack(
      ParameterScope scope,
      int d,
      int layers,
      String ordering,
      List<Integer> hidden,
      Activation activation,
      ElementwiseTransform transform,
      Direction direction,
      boolean actnorm,
      boolean zeroLast) {
    return stack(
        scope, d, layers, ordering, hidden, activation, transform, direction, actnorm, zeroLast, 0);
  }

  /**
   * {@link #stack(ParameterScope, int, int, String, List, Activation, ElementwiseTransform,
   * Direction, boolean, boolean)} with every layer conditioned on a context of {@code contextDim}
   * features (0: none).
   */
  public static List<Bijector> stack(
      ParameterScope scope,
      int d,
      int layers,
      String ordering,
      List<Integer> hidden,
      Activation activation,
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
  public int contextDim() {
    return conditional == null ? 0 : conditional.contextDim();
  }

  @Override
  public Transformed forward(NDArray x, LogDetMode mode) {
    return forward(x, null, mode);
  }

  @Override
  public Transformed forward(NDArray x, NDArray context, LogDetMode mode) {
    Contexts.checked(context, contextDim(), x, this);
    Result r = direction == Direction.MAF ? onePass(x, context) : passes(x, context);
    return new Transformed(r.value(), r.logAbsDet().sum(new int[] {1}), LogDetMode.EXACT);
  }

  @Override
  public NDArray inverse(NDArray z) {
    return inverse(z, null);
  }

  @Override
  public NDArray inverse(NDArray z, NDArray context) {
    Contexts.checked(context, contextDim(), z, this);
    return (direction == Direction.MAF ? passes(z, context) : onePass(z, context)).value();
  }

  /** The MADE's output for {@code u}, reading the context when conditioned on one. */
  private NDArray params(NDArray u, NDArray context) {
    NDArray raw = conditional == null ? made.forward(u) : conditional.forward(u, context);
    return raw.reshape(paramsShape);
  }

  /** {@code g(u) = τ(u; Made(u))}. */
  private Result onePass(NDArray u, NDArray context) {
    return transform.forward(u, params(u, context));
  }

  /**
   * {@code g⁻¹(v)}: {@code u ← τ⁻¹(v; Made(u))} from {@code u = v}. The last pass's parameters are
   * those of the solution, so its log-derivatives are the exact {@code log|∂u/∂v|}.
   */
  private Result passes(NDArray v, NDArray context) {
    NDArray u = v;
    Result r = null;
    for (int k = 0; k < made.inversePasses(); k++) {
      r = transform.inverse(v, params(u, context));
      u = r.value();
    }
    return r;
  }

  /** Emits the forward map: g for MAF, the unrolled passes for IAF; log-det {@code Σ_j}. */
  @Override
  public OnnxTransformed emitForward(OnnxGraph graph, OnnxTensor x) {
    return emitForward(graph, x, null);
  }

  /** The forward map given the context input (null without a context). */
  @Override
  public OnnxTransformed emitForward(OnnxGraph graph, OnnxTensor x, OnnxTensor context) {
    Emitted e =
        direction == Direction.MAF ? emitOnePass(graph, x, context) : emitPasses(graph, x, context);
    return new OnnxTransformed(x.with(e.value()), graph.reduceSum(e.logAbsDet(), false, 1));
  }

  /** Emits the inverse map: the unrolled passes for MAF, g for IAF. */
  @Override
  public OnnxTensor emitInverse(OnnxGraph graph, OnnxTensor z) {
    return emitInverse(graph, z, null);
  }

  /** The inverse map given the context input (null without a context). */
  @Override
  public OnnxTensor emitInverse(OnnxGraph graph, OnnxTensor z, OnnxTensor context) {
    return z.with(
        (direction == Direction.MAF
                ? emitPasses(graph, z, context)
                : emitOnePass(graph, z, context))
            .value());
  }

  private Emitted emitOnePass(OnnxGraph graph, OnnxTensor u, OnnxTensor context) {
    return transform.emitForward(graph, u.name(), emitParams(graph, u, context));
  }

  /**
   * The passes unrolled: each emits the MADE again over the same initializers (the graph adds a
   * weight once however often it is used).
   */
  private Emitted emitPasses(OnnxGraph graph, OnnxTensor v, OnnxTensor context) {
    OnnxTensor u = v;
    Emitted e = null;
    for (int k = 0; k < made.inversePasses(); k++) {
      e = transform.emitInverse(graph, v.name(), emitParams(graph, u, context));
      u = v.with(e.value());
    }
    return e;
  }

  private String emitParams(OnnxGraph graph, OnnxTensor u, OnnxTensor context) {
    if ((conditional == null) != (context == null)) {
      throw new OnnxExportException(
          conditional == null
              ? "Autoregressive takes no context"
              : "a conditional Autoregressive needs the context input");
    }
    OnnxTensor raw =
        conditional == null ? made.emit(graph, u) : conditional.emit(graph, u, context);
    return graph.reshape(raw.name(), paramsShape.getShape());
  }
}
