package org.flowlab.plugins.realnvp;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Map;
import org.flowlab.api.bijector.Partition;
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
 * An affine coupling on images {@code (c, h, w)}, the layer of the RealNVP multi-scale model. The
 * kept values pass unchanged and condition the changed ones: forward (data → latent) {@code z₂ =
 * x₂⊙exp(s) + t} with {@code (s, t) = resnet([x₁, m₀])}; log-det {@code Σ s}. Inverse: {@code x₂ =
 * (z₂ − t)⊙exp(−s)}.
 *
 * <p>Two ways to divide the values ({@link ImageMasks}):
 *
 * <ul>
 *   <li>{@link #channels a channel split}: x₁ and x₂ are the two halves of the channels ({@link
 *       Partition} on axis 1); the conditioner sees only the kept channels and predicts (s, t) for
 *       the changed ones only.
 *   <li>{@link #checkerboard a checkerboard} over pixels: x₁ and x₂ interleave in every channel, so
 *       the conditioner sees the masked full image {@code x⊙m} and its (s, t) are masked by {@code
 *       1−m}: {@code z = x⊙exp(s) + t}. Every conv weight sees data there (each 3×3 window holds
 *       kept pixels in every channel), so nothing is wasted by keeping the full tensor.
 * </ul>
 *
 * <p>The conditioner gets one extra channel {@code m₀}: the checkerboard itself, or ones for a
 * channel split (which marks the zero-padded border). Its last conv starts at zero, so the coupling
 * starts as the identity. The log-scale is bounded as in {@link AffineCoupling}: {@code s =
 * factor·tanh(raw)} with a learned per-channel {@code scale_factor} starting at 1, or {@code s =
 * b·tanh(raw/b)}.
 *
 * <p>Exportable to ONNX: the emitted ops are the JVM's, in the same order, in float32.
 */
final class ImageCoupling implements Bijector, OnnxBijector {
  /** The channel split, or null for a checkerboard. */
  private final Partition channels;

  /**
   * The checkerboard (1 = kept) and its complement, shape {@code (1, c, h, w)}; null for a split.
   */
  private final NDArray mask;

  private final NDArray complement;

  /** Channels of s and t: the changed channels, or all of them for a checkerboard. */
  private final long changedChannels;

  private final NDArray extra;
  private final ResNet net;
  private final NDArray scaleFactor;
  private final double bound;

  /**
   * A checkerboard coupling.
   *
   * @param scope where {@code net.*} (and {@code scale_factor}) are registered
   * @param mask 1 for the values that pass unchanged, shape {@code (c, h, w)}, row-major
   * @param shape the image shape {@code (c, h, w)}
   * @param config the conditioner's size, activation and scale bound
   */
  static ImageCoupling checkerboard(
      ParameterScope scope, float[] mask, Shape shape, RealNvpConfig config) {
    int h = Math.toIntExact(shape.get(1));
    int w = Math.toIntExact(shape.get(2));
    return new ImageCoupling(scope, null, mask, shape, ImageMasks.firstChannel(mask, h, w), config);
  }

  /**
   * A channel-split coupling.
   *
   * @param scope where {@code net.*} (and {@code scale_factor}) are registered
   * @param keep 1 for the channels that pass unchanged, {@code c} values (a first or last half)
   * @param shape the image shape {@code (c, h, w)}
   * @param config the conditioner's size, activation and scale bound
   */
  static ImageCoupling channels(
      ParameterScope scope, float[] keep, Shape shape, RealNvpConfig config) {
    int h = Math.toIntExact(shape.get(1));
    int w = Math.toIntExact(shape.get(2));
    Partition split = new Partition(keep, scope.manager());
    return new ImageCoupling(scope, split, null, shape, ImageMasks.ones(h, w), config);
  }

  private ImageCoupling(
      ParameterScope scope,
      Partition channels,
      float[] mask,
      Shape shape,
      float[] extraChannel,
      RealNvpConfig config) {
    int c = Math.toIntExact(shape.get(0));
    long h = shape.get(1);
    long w = shape.get(2);
    this.channels = channels;
    if (channels == null) {
      float[] inverse = new float[mask.length];
      for (int i = 0; i < mask.length; i++) {
        inverse[i] = 1 - mask[i];
      }
      this.mask = scope.manager().create(mask, new Shape(1, c, h, w));
      this.complement = scope.manager().create(inverse, new Shape(1, c, h, w));
    } else {
      this.mask = null;
      this.complement = null;
    }
    int in = channels == null ? c : channels.keptSize();
    int out = channels == null ? c : channels.changedSize();
    this.changedChannels = out;
    this.extra = scope.manager().create(extraChannel, new Shape(1, 1, h, w));
    this.net =
        new ResNet(
            scope.child("net"),
            in + 1,
            config.resnetChannels(),
            config.resnetBlocks(),
            2 * out,
            Activation.named(config.activation()));
    this.scaleFactor =
        config.scale().equals("tanh")
            ? scope.trainable("scale_factor", new Shape(out, 1, 1), Initializer.ONES)
            : null;
    this.bound = config.scaleBound();
  }

  @Override
  public Transformed forward(NDArray x, LogDetMode mode) {
    NDList parts = split(x);
    NDList st = shiftAndLogScale(parts.get(0));
    NDArray s = st.get(0);
    NDArray changed = parts.get(1).mul(s.exp()).add(st.get(1));
    return new Transformed(
        join(parts.get(0), changed), s.sum(new int[] {1, 2, 3}), LogDetMode.EXACT);
  }

  @Override
  public NDArray inverse(NDArray z) {
    NDList parts = split(z);
    NDList st = shiftAndLogScale(parts.get(0));
    return join(parts.get(0), parts.get(1).sub(st.get(1)).mul(st.get(0).neg().exp()));
  }

  /**
   * (what the conditioner sees, what is transformed): the kept and changed channels, or {@code x⊙m}
   * and the whole image for a checkerboard.
   */
  private NDList split(NDArray x) {
    return channels != null ? channels.split(x) : new NDList(x.mul(mask), x);
  }

  /**
   * The image from the conditioner's input and the transformed values ({@link #split}'s inverse).
   */
  private NDArray join(NDArray kept, NDArray changed) {
    return channels != null ? channels.join(kept, changed) : changed;
  }

  /**
   * Emits {@code z₂ = x₂·exp(s) + t} and {@code Σ s} over {@code (c, h, w)}, with (s, t) emitted as
   * the JVM computes them.
   */
  @Override
  public OnnxTransformed emitForward(OnnxGraph graph, OnnxTensor x) {
    OnnxTensor[] parts = emitSplit(graph, x);
    String[] st = emitShiftAndLogScale(graph, parts[0]);
    String changed = graph.add(graph.mul(parts[1].name(), graph.exp(st[0])), st[1]);
    return new OnnxTransformed(
        x.with(emitJoin(graph, parts[0], changed)), graph.reduceSum(st[0], false, 1, 2, 3));
  }

  /** Emits {@code x₂ = (z₂ − t)·exp(−s)}. */
  @Override
  public OnnxTensor emitInverse(OnnxGraph graph, OnnxTensor z) {
    OnnxTensor[] parts = emitSplit(graph, z);
    String[] st = emitShiftAndLogScale(graph, parts[0]);
    String changed = graph.mul(graph.sub(parts[1].name(), st[1]), graph.exp(graph.neg(st[0])));
    return z.with(emitJoin(graph, parts[0], changed));
  }

  /** Emits {@link #split}, with the event shapes of both parts. */
  private OnnxTensor[] emitSplit(OnnxGraph graph, OnnxTensor x) {
    if (channels == null) {
      return new OnnxTensor[] {x.with(graph.mul(x.name(), graph.initializer("mask", mask))), x};
    }
    List<String> parts = channels.emitSplit(graph, x.name());
    long h = x.eventShape().get(1);
    long w = x.eventShape().get(2);
    return new OnnxTensor[] {
      new OnnxTensor(parts.get(0), new Shape(channels.keptSize(), h, w)),
      new OnnxTensor(parts.get(1), new Shape(channels.changedSize(), h, w))
    };
  }

  /** Emits {@link #join}. */
  private String emitJoin(OnnxGraph graph, OnnxTensor kept, String changed) {
    return channels != null ? channels.emitJoin(graph, kept.name(), changed) : changed;
  }

  /**
   * Emits (s, t): the conditioner on {@code [x₁, m₀]}, {@code m₀} expanded to the batch, split in
   * two along the channels, the bounded log-scale, both masked by the complement for a
   * checkerboard.
   */
  private String[] emitShiftAndLogScale(OnnxGraph graph, OnnxTensor kept) {
    Shape event = kept.eventShape();
    long c = event.get(0);
    long h = event.get(1);
    long w = event.get(2);
    String batch = graph.op("Shape", List.of(kept.name()), Map.of("start", 0L, "end", 1L));
    String extraShape =
        graph.op("Concat", List.of(batch, graph.longs(1, h, w)), Map.of("axis", 0L));
    String extraBatch =
        graph.op("Expand", List.of(graph.initializer("extra", extra), extraShape), Map.of());
    OnnxTensor input =
        new OnnxTensor(graph.concat(1, kept.name(), extraBatch), new Shape(c + 1, h, w));
    List<String> raw =
        graph.split(net.emit(graph, input).name(), 1, changedChannels, changedChannels);
    String s =
        scaleFactor != null
            ? graph.mul(graph.tanh(raw.get(0)), graph.initializer("scale_factor", scaleFactor))
            : graph.mulScalar(graph.tanh(graph.div(raw.get(0), graph.scalar(bound))), bound);
    if (complement == null) {
      return new String[] {s, raw.get(1)};
    }
    String complementName = graph.initializer("complement", complement);
    return new String[] {graph.mul(s, complementName), graph.mul(raw.get(1), complementName)};
  }

  /** (s, t) for the transformed values, zero on the kept ones of a checkerboard. */
  private NDList shiftAndLogScale(NDArray kept) {
    Shape shape = kept.getShape();
    NDArray extraBatch = extra.broadcast(new Shape(shape.get(0), 1, shape.get(2), shape.get(3)));
    NDArray input = NDArrays.concat(new NDList(kept, extraBatch), 1);
    NDList raw = net.forward(input).split(2, 1);
    NDArray s =
        scaleFactor != null
            ? raw.get(0).tanh().mul(scaleFactor)
            : Scalars.mul(Scalars.div(raw.get(0), bound).tanh(), bound);
    if (complement == null) {
      return new NDList(s, raw.get(1));
    }
    return new NDList(s.mul(complement), raw.get(1).mul(complement));
  }
}
