package org.flowlab.plugins.realnvp;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.flowlab.api.bijector.AffineTransform;
import org.flowlab.api.bijector.Coupling;
import org.flowlab.api.bijector.Partition;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.DefinedLayer;
import org.flowlab.api.nn.EagerOps;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.ops.TensorOps;

/**
 * RealNVP's affine coupling on images {@code (c, h, w)}, the layer of its multi-scale model: a
 * {@link Coupling} whose kept values condition the changed ones, forward (data → latent) {@code z₂
 * = x₂⊙exp(s) + t} with {@code (s, t) = resnet([x₁, m₀])}; log-det {@code Σ s}. Inverse: {@code x₂
 * = (z₂ − t)⊙exp(−s)}.
 *
 * <p>Two ways to divide the values ({@link ImageMasks}):
 *
 * <ul>
 *   <li>{@link #channels a channel split}: x₁ and x₂ are the two halves of the channels ({@link
 *       Partition} on axis 1); the conditioner sees only the kept channels and predicts (s, t) for
 *       the changed ones only.
 *   <li>{@link #checkerboard a checkerboard} over pixels ({@link Coupling#masked}): x₁ and x₂
 *       interleave in every channel, so the conditioner sees the masked full image {@code x⊙m} and
 *       its (s, t) are zeroed where m keeps: {@code z = x⊙exp(s) + t}. Every conv weight sees data
 *       there (each 3×3 window holds kept pixels in every channel), so nothing is wasted by keeping
 *       the full tensor.
 * </ul>
 *
 * <p>The conditioner gets one extra channel {@code m₀}: the checkerboard itself, or ones for a
 * channel split (which marks the zero-padded border). Its last conv starts at zero, so the coupling
 * starts as the identity. The log-scale is bounded as in {@link AffineCoupling}: {@code s =
 * factor·tanh(raw)} with a learned per-channel {@code scale_factor} starting at 1, or {@code s =
 * b·tanh(raw/b)}.
 */
final class ImageCoupling {
  private ImageCoupling() {}

  /**
   * A checkerboard coupling.
   *
   * @param scope where {@code net.*} (and {@code scale_factor}) are registered
   * @param mask 1 for the values that pass unchanged, shape {@code (c, h, w)}, row-major
   * @param shape the image shape {@code (c, h, w)}
   * @param config the conditioner's size, activation and scale bound
   */
  static Coupling checkerboard(
      ParameterScope scope, float[] mask, Shape shape, RealNvpConfig config) {
    int c = Math.toIntExact(shape.get(0));
    int h = Math.toIntExact(shape.get(1));
    int w = Math.toIntExact(shape.get(2));
    DefinedLayer net = conditioner(scope, c, c, ImageMasks.firstChannel(mask, h, w), shape, config);
    AffineTransform transform = transform(scope, c, config);
    return Coupling.masked(mask, shape, scope.manager(), net, transform);
  }

  /**
   * A channel-split coupling.
   *
   * @param scope where {@code net.*} (and {@code scale_factor}) are registered
   * @param keep 1 for the channels that pass unchanged, {@code c} values (a first or last half)
   * @param shape the image shape {@code (c, h, w)}
   * @param config the conditioner's size, activation and scale bound
   */
  static Coupling channels(ParameterScope scope, float[] keep, Shape shape, RealNvpConfig config) {
    int h = Math.toIntExact(shape.get(1));
    int w = Math.toIntExact(shape.get(2));
    Partition split = new Partition(keep, scope.manager());
    int out = split.changedSize();
    DefinedLayer net =
        conditioner(scope, split.keptSize(), out, ImageMasks.ones(h, w), shape, config);
    AffineTransform transform = transform(scope, out, config);
    return new Coupling(split, new Shape(out, h, w), net, transform, 0);
  }

  /** The ResNet from {@code [x₁, m₀]} to (s, t) for {@code out} channels, s first. */
  private static DefinedLayer conditioner(
      ParameterScope scope,
      int in,
      int out,
      float[] extraChannel,
      Shape shape,
      RealNvpConfig config) {
    NDArray extra = scope.manager().create(extraChannel, new Shape(1, shape.get(1), shape.get(2)));
    ResNet resnet =
        new ResNet(
            scope.child("net"),
            in + 1,
            config.resnetChannels(),
            config.resnetBlocks(),
            2 * out,
            Activation.named(config.activation()));
    EagerOps eager = EagerOps.of(scope.autocast());
    return new DefinedLayer() {
      @Override
      public <T> T apply(TensorOps<T> ops, T kept) {
        return resnet.apply(ops, ops.concat(kept, ops.expandBatch(kept, ops.parameter(extra)), 1));
      }

      @Override
      public EagerOps eager() {
        return eager;
      }
    };
  }

  /** The bounded affine map, s first; registers {@code scale_factor} for the learned bound. */
  private static AffineTransform transform(ParameterScope scope, int out, RealNvpConfig config) {
    AffineTransform transform =
        config.scale().equals("tanh")
            ? AffineTransform.learnedBound(
                scope.trainable("scale_factor", new Shape(out, 1, 1), Initializer.ONES))
            : AffineTransform.softClamped(config.scaleBound());
    return transform.scaleFirst();
  }
}
