package org.flowlab.api.bijector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.util.List;
import java.util.Map;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.Scalars;
import org.flowlab.api.onnx.OnnxGraph;

/**
 * The elementwise affine map of MAF and IAF, with two parameters per element (P = 2): block 0 is
 * the shift m, block 1 the unconstrained scale s. Two forms:
 *
 * <ul>
 *   <li>{@link #softClamped}: forward {@code y = x·exp(ŝ) + m} with the log-scale bounded by a soft
 *       clamp {@code ŝ = B·tanh(s/B)}, log-derivative {@code ŝ}; inverse {@code x = (y −
 *       m)·exp(−ŝ)}. At s = m = 0 it is the identity.
 *   <li>{@link #gated}: Kingma et al. (2016)'s numerically stable IAF update, forward {@code y =
 *       σ·x + (1 − σ)·m} with {@code σ = sigmoid(s + 2)}, log-derivative {@code log σ}; inverse
 *       {@code x = m + (y − m)/σ}. The offset of +2 is the paper's advice to start σ near 1 (0.88
 *       at s = 0).
 * </ul>
 */
public final class AffineTransform implements ElementwiseTransform {
  /** The offset added to s before the gate's sigmoid. */
  public static final double GATE_OFFSET = 2.0;

  private final boolean gated;
  private final double bound;

  private AffineTransform(boolean gated, double bound) {
    this.gated = gated;
    this.bound = bound;
  }

  /**
   * {@code y = x·exp(ŝ) + m}, {@code ŝ = bound·tanh(s/bound)}.
   *
   * @param bound the largest |log-scale| per element, &gt; 0 (3 allows a factor of 20 per step)
   */
  public static AffineTransform softClamped(double bound) {
    if (!(bound > 0) || Double.isInfinite(bound)) {
      throw new IllegalArgumentException("the log-scale bound must be positive, got " + bound);
    }
    return new AffineTransform(false, bound);
  }

  /** The gated update {@code y = σ·x + (1 − σ)·m}, {@code σ = sigmoid(s + 2)}. */
  public static AffineTransform gated() {
    return new AffineTransform(true, Double.NaN);
  }

  /** Whether this is the gated form. */
  public boolean isGated() {
    return gated;
  }

  @Override
  public int paramsPerElement() {
    return 2;
  }

  @Override
  public Result forward(NDArray x, NDArray params) {
    NDList ms = split(params);
    NDArray m = ms.get(0);
    if (gated) {
      NDArray gate = ms.get(1).add(GATE_OFFSET);
      NDArray y = m.add(x.sub(m).mul(Activation.sigmoid(gate)));
      return new Result(y, Activation.softplus(gate.neg()).neg());
    }
    NDArray logScale = clamp(ms.get(1));
    return new Result(x.mul(logScale.exp()).add(m), logScale);
  }

  @Override
  public Result inverse(NDArray y, NDArray params) {
    NDList ms = split(params);
    NDArray m = ms.get(0);
    if (gated) {
      NDArray gate = ms.get(1).add(GATE_OFFSET);
      NDArray x = m.add(y.sub(m).div(Activation.sigmoid(gate)));
      return new Result(x, Activation.softplus(gate.neg()));
    }
    NDArray logScale = clamp(ms.get(1));
    return new Result(y.sub(m).mul(logScale.neg().exp()), logScale.neg());
  }

  @Override
  public Emitted emitForward(OnnxGraph graph, String x, String params) {
    List<String> ms = emitSplit(graph, params);
    String m = ms.get(0);
    if (gated) {
      String gate = graph.addScalar(ms.get(1), GATE_OFFSET);
      String y = graph.add(m, graph.mul(graph.sub(x, m), graph.sigmoid(gate)));
      return new Emitted(y, graph.neg(graph.softplus(graph.neg(gate))));
    }
    String logScale = emitClamp(graph, ms.get(1));
    return new Emitted(graph.add(graph.mul(x, graph.exp(logScale)), m), logScale);
  }

  @Override
  public Emitted emitInverse(OnnxGraph graph, String y, String params) {
    List<String> ms = emitSplit(graph, params);
    String m = ms.get(0);
    if (gated) {
      String gate = graph.addScalar(ms.get(1), GATE_OFFSET);
      String x = graph.add(m, graph.div(graph.sub(y, m), graph.sigmoid(gate)));
      return new Emitted(x, graph.softplus(graph.neg(gate)));
    }
    String logScale = emitClamp(graph, ms.get(1));
    String x = graph.mul(graph.sub(y, m), graph.exp(graph.neg(logScale)));
    return new Emitted(x, graph.neg(logScale));
  }

  /** (shift, scale), each shaped like one element block: {@code (N, event...)}. */
  private static NDList split(NDArray params) {
    NDList parts = params.split(2, 1);
    return new NDList(parts.get(0).squeeze(1), parts.get(1).squeeze(1));
  }

  private static List<String> emitSplit(OnnxGraph graph, String params) {
    List<String> parts = graph.split(params, 1, 1, 1);
    return List.of(squeeze(graph, parts.get(0)), squeeze(graph, parts.get(1)));
  }

  private static String squeeze(OnnxGraph graph, String x) {
    return graph.op("Squeeze", List.of(x, graph.longs(1)), Map.of());
  }

  private NDArray clamp(NDArray s) {
    return Scalars.mul(Scalars.mul(s, 1 / bound).tanh(), bound);
  }

  private String emitClamp(OnnxGraph graph, String s) {
    return graph.mulScalar(graph.tanh(graph.mulScalar(s, 1 / bound)), bound);
  }
}
