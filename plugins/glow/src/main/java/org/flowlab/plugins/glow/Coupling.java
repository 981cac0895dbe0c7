package org.flowlab.plugins.glow;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.onnx.OnnxBijector;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxTensor;
import org.flowlab.api.onnx.OnnxTransformed;

/**
 * A channel-split affine coupling, for vectors {@code (d)} (features) and images {@code (c, h, w)}
 * (channels). The input splits along axis 1 into the first {@code kept} entries {@code x_a}, which
 * pass unchanged, and the rest {@code x_b}. Forward (data → latent): {@code z_b = (x_b + a)·exp(b)}
 * with {@code (a, raw) = net(x_a)}; log-det {@code Σ b}. Inverse: {@code x_b = z_b·exp(−b) − a}.
 *
 * <ul>
 *   <li>{@link Kind#SIGMOID} (Glow's coupling): {@code exp(b) = sigmoid(raw + 2)}, a bounded scale
 *       that starts near 0.88.
 *   <li>{@link Kind#GAUSSIAN} (Glow's learned split prior, written as a bijector): {@code a = −μ},
 *       {@code b = −log σ} with {@code (μ, log σ) = net(x_a)}, so {@code z_b = (x_b − μ)/σ} is
 *       standard normal exactly when {@code x_b ~ N(μ(x_a), σ(x_a)²)}; log-det {@code −Σ log σ}.
 *       With the conditioner zero-initialised it starts as the identity.
 * </ul>
 */
final class Coupling implements Bijector, OnnxBijector {
  /** How the conditioner's raw output becomes the log-scale {@code b}. */
  enum Kind {
    /** {@code b = log sigmoid(raw + 2)}. */
    SIGMOID,
    /** {@code b = −raw}, raw read as log σ of a conditional Gaussian; the shift is −μ. */
    GAUSSIAN
  }

  private final long kept;
  private final long rest;
  private final Conditioner net;
  private final Kind kind;

  /**
   * @param kept entries of axis 1 that pass unchanged and condition the others
   * @param rest entries of axis 1 that are transformed
   * @param net maps {@code x_a} to {@code 2·rest} entries on axis 1
   * @param kind how the scale is formed
   */
  Coupling(long kept, long rest, Conditioner net, Kind kind) {
    this.kept = kept;
    this.rest = rest;
    this.net = net;
    this.kind = kind;
  }

  @Override
  public Transformed forward(NDArray x, LogDetMode mode) {
    return run(x, false);
  }

  @Override
  public NDArray initialize(NDArray x) {
    return run(x, true).value();
  }

  private Transformed run(NDArray x, boolean initialize) {
    NDArray xa = x.get(new NDIndex(":, :{}", kept));
    NDArray[] abs = shiftScaleLogScale(xa, initialize);
    NDArray zb = x.get(new NDIndex(":, {}:", kept)).add(abs[0]).mul(abs[1]);
    long n = x.getShape().get(0);
    NDArray logDet = abs[2].reshape(n, -1).sum(new int[] {1});
    return new Transformed(NDArrays.concat(new NDList(xa, zb), 1), logDet, LogDetMode.EXACT);
  }

  @Override
  public NDArray inverse(NDArray z) {
    NDArray za = z.get(new NDIndex(":, :{}", kept));
    NDArray[] abs = shiftScaleLogScale(za, false);
    NDArray xb = z.get(new NDIndex(":, {}:", kept)).div(abs[1]).sub(abs[0]);
    return NDArrays.concat(new NDList(za, xb), 1);
  }

  /**
   * Emits {@code z_b = (x_b + a)·exp(b)} and {@code Σ b}, with (a, exp(b), b) as the JVM forms
   * them.
   */
  @Override
  public OnnxTransformed emitForward(OnnxGraph graph, OnnxTensor x) {
    OnnxTensor[] parts = emitSplit(graph, x);
    String[] abs = emitShiftScaleLogScale(graph, parts[0]);
    String zb = graph.mul(graph.add(parts[1].name(), abs[0]), abs[1]);
    String logDet = graph.sumPerSample(parts[1].with(abs[2]));
    return new OnnxTransformed(x.with(graph.concat(1, parts[0].name(), zb)), logDet);
  }

  /** Emits {@code x_b = z_b / exp(b) − a}. */
  @Override
  public OnnxTensor emitInverse(OnnxGraph graph, OnnxTensor z) {
    OnnxTensor[] parts = emitSplit(graph, z);
    String[] abs = emitShiftScaleLogScale(graph, parts[0]);
    String xb = graph.sub(graph.div(parts[1].name(), abs[1]), abs[0]);
    return z.with(graph.concat(1, parts[0].name(), xb));
  }

  /** The first {@code kept} entries of axis 1 and the other {@code rest}, with their shapes. */
  private OnnxTensor[] emitSplit(OnnxGraph graph, OnnxTensor x) {
    List<String> halves = graph.split(x.name(), 1, kept, rest);
    long[] dims = x.eventShape().getShape().clone();
    dims[0] = kept;
    Shape keptShape = new Shape(dims.clone());
    dims[0] = rest;
    return new OnnxTensor[] {
      new OnnxTensor(halves.get(0), keptShape), new OnnxTensor(halves.get(1), new Shape(dims))
    };
  }

  /** Emits {@code [a, exp(b), b]} exactly as {@link #shiftScaleLogScale} computes them. */
  private String[] emitShiftScaleLogScale(OnnxGraph graph, OnnxTensor xa) {
    List<String> h = graph.split(net.emit(graph, xa).name(), 1, rest, rest);
    String raw = h.get(1);
    if (kind == Kind.SIGMOID) {
      String scale = graph.sigmoid(graph.addScalar(raw, 2));
      return new String[] {h.get(0), scale, graph.log(scale)};
    }
    String logScale = graph.neg(raw);
    return new String[] {graph.neg(h.get(0)), graph.exp(logScale), logScale};
  }

  /**
   * {@code [a, exp(b), b]}, each with {@code rest} entries on axis 1. For the sigmoid scale, {@code
   * b = log(sigmoid(raw + 2))} directly (as Glow does): fewer ops than a stable log-sigmoid, and it
   * only underflows for raw &lt; −85, far outside what training visits.
   */
  private NDArray[] shiftScaleLogScale(NDArray xa, boolean initialize) {
    NDList h = net.apply(xa, initialize).split(new long[] {rest}, 1);
    NDArray raw = h.get(1);
    if (kind == Kind.SIGMOID) {
      NDArray scale = Activation.sigmoid(raw.add(2));
      return new NDArray[] {h.get(0), scale, scale.log()};
    }
    NDArray logScale = raw.neg();
    return new NDArray[] {h.get(0).neg(), logScale.exp(), logScale};
  }
}
