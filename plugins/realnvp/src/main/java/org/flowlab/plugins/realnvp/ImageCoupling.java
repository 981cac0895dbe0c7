package org.flowlab.plugins.realnvp;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Map;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.nn.Scalars;
import org.flowlab.api.onnx.OnnxBijector;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxTensor;
import org.flowlab.api.onnx.OnnxTransformed;

/**
 * A mask-based affine coupling on images {@code (c, h, w)}, the layer of the RealNVP multi-scale
 * model. Forward (data → latent): {@code z = x⊙m + (1−m)⊙(x⊙exp(s) + t)} with {@code (s, t) =
 * resnet([x⊙m, m₀])}, so the kept values (mask 1) pass unchanged and condition the others; log-det
 * {@code Σ s} over the transformed values. Inverse: {@code x = z⊙m + (1−m)⊙(z − t)⊙exp(−s)}.
 *
 * <p>The mask is a checkerboard over pixels or a split of the channels ({@link ImageMasks}). The
 * conditioner sees the masked image plus one extra channel {@code m₀}: the checkerboard itself, or
 * ones for a channel mask (which marks the zero-padded border). Its last conv starts at zero, so
 * the coupling starts as the identity. The log-scale is bounded as in {@link AffineCoupling}:
 * {@code s = factor·tanh(raw)} with a learned per-channel {@code scale_factor} starting at 1, or
 * {@code s = b·tanh(raw/b)}.
 *
 * <p>Exportable to ONNX: the emitted ops are the JVM's, in the same order, in float32.
 */
final class ImageCoupling implements Bijector, OnnxBijector {
  private final NDArray mask;
  private final NDArray complement;
  private final NDArray extra;
  private final ResNet net;
  private final NDArray scaleFactor;
  private final double bound;

  /**
   * @param scope where {@code net.*} (and {@code scale_factor}) are registered
   * @param mask 1 for the values that pass unchanged, shape {@code (c, h, w)}, row-major
   * @param shape the image shape {@code (c, h, w)}
   * @param extraChannel the conditioner's extra input channel, {@code h·w} values
   * @param config the conditioner's size, activation and scale bound
   */
  ImageCoupling(
      ParameterScope scope, float[] mask, Shape shape, float[] extraChannel, RealNvpConfig config) {
    int c = Math.toIntExact(shape.get(0));
    long h = shape.get(1);
    long w = shape.get(2);
    float[] inverse = new float[mask.length];
    for (int i = 0; i < mask.length; i++) {
      inverse[i] = 1 - mask[i];
    }
    this.mask = scope.manager().create(mask, new Shape(1, c, h, w));
    this.complement = scope.manager().create(inverse, new Shape(1, c, h, w));
    this.extra = scope.manager().create(extraChannel, new Shape(1, 1, h, w));
    this.net =
        new ResNet(
            scope.child("net"),
            c + 1,
            config.resnetChannels(),
            config.resnetBlocks(),
            2 * c,
            Activation.named(config.activation()));
    this.scaleFactor =
        config.scale().equals("tanh")
            ? scope.trainable("scale_factor", new Shape(c, 1, 1), Initializer.ONES)
            : null;
    this.bound = config.scaleBound();
  }

  @Override
  public Transformed forward(NDArray x, LogDetMode mode) {
    NDList st = shiftAndLogScale(x);
    NDArray s = st.get(0);
    NDArray z = x.mul(s.exp()).add(st.get(1));
    return new Transformed(z, s.sum(new int[] {1, 2, 3}), LogDetMode.EXACT);
  }

  @Override
  public NDArray inverse(NDArray z) {
    NDList st = shiftAndLogScale(z);
    return z.sub(st.get(1)).mul(st.get(0).neg().exp());
  }

  /**
   * Emits {@code z = x·exp(s) + t} and {@code Σ s} over {@code (c, h, w)}, with (s, t) emitted as
   * the JVM computes them.
   */
  @Override
  public OnnxTransformed emitForward(OnnxGraph graph, OnnxTensor x) {
    String[] st = emitShiftAndLogScale(graph, x);
    String z = graph.add(graph.mul(x.name(), graph.exp(st[0])), st[1]);
    return new OnnxTransformed(x.with(z), graph.reduceSum(st[0], false, 1, 2, 3));
  }

  /** Emits {@code x = (z − t)·exp(−s)}. */
  @Override
  public OnnxTensor emitInverse(OnnxGraph graph, OnnxTensor z) {
    String[] st = emitShiftAndLogScale(graph, z);
    return z.with(graph.mul(graph.sub(z.name(), st[1]), graph.exp(graph.neg(st[0]))));
  }

  /**
   * Emits (s, t): the conditioner on {@code [x⊙m, m₀]}, {@code m₀} expanded to the batch, split in
   * two along the channels, the bounded log-scale, both masked by the complement.
   */
  private String[] emitShiftAndLogScale(OnnxGraph graph, OnnxTensor x) {
    Shape event = x.eventShape();
    long c = event.get(0);
    long h = event.get(1);
    long w = event.get(2);
    String kept = graph.mul(x.name(), graph.initializer("mask", mask));
    String batch = graph.op("Shape", List.of(x.name()), Map.of("start", 0L, "end", 1L));
    String extraShape =
        graph.op("Concat", List.of(batch, graph.longs(1, h, w)), Map.of("axis", 0L));
    String extraBatch =
        graph.op("Expand", List.of(graph.initializer("extra", extra), extraShape), Map.of());
    OnnxTensor input = new OnnxTensor(graph.concat(1, kept, extraBatch), new Shape(c + 1, h, w));
    List<String> raw = graph.split(net.emit(graph, input).name(), 1, c, c);
    String s =
        scaleFactor != null
            ? graph.mul(graph.tanh(raw.get(0)), graph.initializer("scale_factor", scaleFactor))
            : graph.mulScalar(graph.tanh(graph.div(raw.get(0), graph.scalar(bound))), bound);
    String complementName = graph.initializer("complement", complement);
    return new String[] {graph.mul(s, complementName), graph.mul(raw.get(1), complementName)};
  }

  /** (s, t), both zero on the kept values, from the kept values of {@code x}. */
  private NDList shiftAndLogScale(NDArray x) {
    Shape shape = x.getShape();
    NDArray extraBatch = extra.broadcast(new Shape(shape.get(0), 1, shape.get(2), shape.get(3)));
    NDArray input = NDArrays.concat(new NDList(x.mul(mask), extraBatch), 1);
    NDList raw = net.forward(input).split(2, 1);
    NDArray s =
        scaleFactor != null
            ? raw.get(0).tanh().mul(scaleFactor)
            : Scalars.mul(Scalars.div(raw.get(0), bound).tanh(), bound);
    return new NDList(s.mul(complement), raw.get(1).mul(complement));
  }
}
