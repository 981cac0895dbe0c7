package org.flowlab.plugins.realnvp;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.bijector.DefinedBijector;
import org.flowlab.api.bijector.Partition;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.EagerOps;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.ops.Mapped;
import org.flowlab.api.ops.TensorOps;

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
 * <p>Both directions are written once over {@link TensorOps}; the JVM passes and the ONNX export
 * run them ({@link DefinedBijector}).
 */
final class ImageCoupling implements DefinedBijector {
  /** The channel split, or null for a checkerboard. */
  private final Partition channels;

  /**
   * The checkerboard (1 = kept) and its complement, shape {@code (1, c, h, w)}; null for a split.
   */
  private final NDArray mask;

  private final NDArray complement;

  /** The conditioner's extra channel m₀, shape {@code (1, h, w)}. */
  private final NDArray extra;

  private final ResNet net;
  private final NDArray scaleFactor;
  private final double bound;
  private final long[] half;
  private final EagerOps eager;

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
    this.extra = scope.manager().create(extraChannel, new Shape(1, h, w));
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
    this.half = new long[] {out};
    this.eager = EagerOps.of(scope.autocast());
  }

  @Override
  public EagerOps eager() {
    return eager;
  }

  /** {@code z₂ = x₂⊙exp(s) + t}, log-det {@code Σ s} over {@code (c, h, w)}. */
  @Override
  public <T> Mapped<T> forward(TensorOps<T> ops, T x) {
    List<T> parts = split(ops, x);
    List<T> st = logScaleAndShift(ops, parts.get(0));
    T s = st.get(0);
    T changed = ops.add(ops.mul(parts.get(1), ops.exp(s)), st.get(1));
    return new Mapped<>(join(ops, parts.get(0), changed), ops.sumAfter(s, 1));
  }

  /** {@code x₂ = (z₂ − t)⊙exp(−s)}. */
  @Override
  public <T> T inverse(TensorOps<T> ops, T z) {
    List<T> parts = split(ops, z);
    List<T> st = logScaleAndShift(ops, parts.get(0));
    T changed = ops.mul(ops.sub(parts.get(1), st.get(1)), ops.exp(ops.neg(st.get(0))));
    return join(ops, parts.get(0), changed);
  }

  /**
   * (what the conditioner sees, what is transformed): the kept and changed channels, or {@code x⊙m}
   * and the whole image for a checkerboard.
   */
  private <T> List<T> split(TensorOps<T> ops, T x) {
    return channels != null ? channels.split(ops, x) : List.of(ops.mul(x, ops.parameter(mask)), x);
  }

  /**
   * The image from the conditioner's input and the transformed values ({@link #split}'s inverse).
   */
  private <T> T join(TensorOps<T> ops, T kept, T changed) {
    return channels != null ? channels.join(ops, kept, changed) : changed;
  }

  /**
   * (s, t) for the transformed values: the conditioner on {@code [x₁, m₀]}, split in two along the
   * channels, the bounded log-scale; both zero on the kept values of a checkerboard.
   */
  private <T> List<T> logScaleAndShift(TensorOps<T> ops, T kept) {
    T input = ops.concat(kept, ops.expandBatch(kept, ops.parameter(extra)), 1);
    List<T> raw = ops.split(net.apply(ops, input), 1, half);
    T s =
        scaleFactor != null
            ? ops.mul(ops.tanh(raw.get(0)), ops.parameter(scaleFactor))
            : ops.mulScalar(ops.tanh(ops.mulScalar(raw.get(0), 1 / bound)), bound);
    if (complement == null) {
      return List.of(s, raw.get(1));
    }
    T outside = ops.parameter(complement);
    return List.of(ops.mul(s, outside), ops.mul(raw.get(1), outside));
  }
}
