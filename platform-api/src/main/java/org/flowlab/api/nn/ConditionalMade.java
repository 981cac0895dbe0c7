package org.flowlab.api.nn;

import ai.djl.ndarray.NDArray;
import java.util.List;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxTensor;
import org.flowlab.api.ops.OnnxOps;
import org.flowlab.api.ops.TensorOps;
import org.flowlab.api.ops.Traced;

/**
 * A {@link Made} that also reads a context vector {@code c}. As in nflows' conditional MADE, an
 * unmasked {@link Linear} map of {@code c} is added to the pre-activation of the MADE's first
 * hidden layer; unlike there, a second unmasked map of {@code c} is added to the output, because
 * the outputs of the first element in the order see no hidden unit (the masks give them none), so
 * without it that element's parameters would be constants, blind to the context. The outputs stay
 * autoregressive in x (the masks are untouched) and depend on c arbitrarily. Built around a plain
 * {@link Made}, whose layers it runs in order; written once over {@link TensorOps} ({@link
 * #apply}).
 *
 * <p>Parameters (relative to the scope): the MADE's ({@code 0.weight}, {@code 0.mask}, …) and the
 * context maps', {@code context.{weight,bias}} (into the first hidden layer) and {@code
 * context_out.{weight,bias}} (into the output; zero at the start when the MADE's last layer is).
 */
public final class ConditionalMade {
  private final Made made;
  private final Linear context;
  private final Linear contextOut;
  private final int contextDim;

  /**
   * @param scope where the MADE and the context map register their weights
   * @param order as {@link Made#Made}
   * @param hidden as {@link Made#Made}: the context map has {@code hidden.get(0)} outputs
   * @param paramsPerInput as {@link Made#Made}
   * @param activation as {@link Made#Made}
   * @param zeroLast as {@link Made#Made}
   * @param residual as {@link Made#Made(ParameterScope, int[], List, int, Activation, boolean,
   *     boolean)}: the context map feeds the first hidden layer either way
   * @param contextDim features of the context, at least 1
   */
  public ConditionalMade(
      ParameterScope scope,
      int[] order,
      List<Integer> hidden,
      int paramsPerInput,
      Activation activation,
      boolean zeroLast,
      boolean residual,
      int contextDim) {
    if (contextDim < 1) {
      throw new IllegalArgumentException("a context needs at least 1 feature, got " + contextDim);
    }
    this.made = new Made(scope, order, hidden, paramsPerInput, activation, zeroLast, residual);
    this.context = new Linear(scope.child("context"), contextDim, hidden.get(0), false);
    int out = paramsPerInput * order.length;
    this.contextOut = new Linear(scope.child("context_out"), contextDim, out, zeroLast);
    this.contextDim = contextDim;
  }

  /** The masked network itself. */
  public Made made() {
    return made;
  }

  /** Features of the context. */
  public int contextDim() {
    return contextDim;
  }

  /**
   * The MADE's output for inputs {@code x} {@code (N, d)} and contexts {@code c} {@code (N, k)}, in
   * the interpretation {@code ops}: the one definition {@link #forward} and {@link #emit} run.
   *
   * @throws IllegalArgumentException when {@code c} is null: the flow needs a context of size k
   */
  public <T> T apply(TensorOps<T> ops, T x, T c) {
    if (c == null) {
      throw new IllegalArgumentException(
          "this MADE is conditioned on a context: the flow needs a context of size "
              + contextDim
              + " (shape (N, "
              + contextDim
              + ")), and none was given");
    }
    List<DefinedLayer> layers = made.layers;
    T h = ops.add(layers.get(0).apply(ops, x), context.apply(ops, c));
    for (DefinedLayer layer : layers.subList(1, layers.size())) {
      h = layer.apply(ops, h);
    }
    return ops.add(h, contextOut.apply(ops, c));
  }

  /** {@link #apply} computed eagerly (in the MADE's scope's {@link Autocast}). */
  public NDArray forward(NDArray x, NDArray c) {
    return apply(made.eager(), x, c);
  }

  /** {@link #apply} recorded into {@code graph}. */
  public OnnxTensor emit(OnnxGraph graph, OnnxTensor x, OnnxTensor c) {
    return apply(new OnnxOps(graph), Traced.of(x), Traced.of(c)).tensor();
  }
}
