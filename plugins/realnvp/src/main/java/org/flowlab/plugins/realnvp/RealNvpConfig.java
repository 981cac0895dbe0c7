package org.flowlab.plugins.realnvp;

import java.util.List;
import java.util.Locale;
import org.flowlab.api.config.InvalidValueException;
import org.flowlab.api.config.Require;
import org.flowlab.api.nn.Activation;

/**
 * The {@code model.params} block of a RealNVP experiment (snake_case keys in YAML). A missing key
 * takes its default; the defaults give a good model for toy 2D densities and a small multi-scale
 * model for 28×28 images.
 *
 * <p>The event shape picks the model (see {@link RealNvpFamily}): vectors {@code (d)} get a stack
 * of {@code couplings} MLP couplings; images {@code (c, h, w)} get the paper's multi-scale model
 * with ResNet conditioners. Keys of the other model are ignored: {@code couplings}, {@code hidden}
 * and {@code mask} mean nothing for images (the architecture is fixed per scale), {@code scales},
 * {@code resnet_blocks} and {@code resnet_channels} mean nothing for vectors. One YAML can so
 * switch datasets without editing the model block; the keys are still range-checked either way.
 *
 * <p>Batch normalisation (used in the paper) is rejected: as a flow layer it needs batch statistics
 * in training and running averages in evaluation, a train/eval mode the {@code Bijector} API does
 * not have. {@code actnorm} (Glow) is its batch-independent replacement: a per-channel affine map
 * initialised from the first batch to zero mean and unit variance.
 *
 * @param couplings vectors only: number of affine couplings (default 8, at least 1)
 * @param hidden vectors only: hidden widths of each coupling's conditioner MLP (default [64, 64];
 *     each at least 1; an empty list gives a linear conditioner)
 * @param activation nonlinearity of the conditioner (MLP or ResNet): tanh, relu, elu, softplus or
 *     silu (default elu)
 * @param scale how the log-scale s is bounded: {@code tanh} (default), s = factor · tanh(raw) with
 *     a learned factor (per dimension for vectors, per channel for images) that starts at 1; or
 *     {@code softclamp}, s = bound · tanh(raw / bound) with the fixed bound {@code scale_bound}
 * @param scaleBound the bound of {@code softclamp} (default 2.0, positive; YAML {@code
 *     scale_bound})
 * @param normalization {@code actnorm} (default: an actnorm layer before every coupling,
 *     initialised from the first batch) or {@code none}; batch norm is rejected (see above)
 * @param base the latent distribution: {@code normal} (default) or {@code logistic}
 * @param mask vectors only: which dimensions a coupling keeps: {@code alternating} (default; the
 *     first ⌈d/2⌉ dimensions, then the rest, alternating between couplings) or {@code checkerboard}
 *     (even indices, then odd ones, alternating)
 * @param scales images only: number of scales (default 2, at least 1). Each scale but the last is 3
 *     checkerboard couplings, a squeeze, 3 channel-wise couplings and the factor-out of half the
 *     channels; the last is 4 checkerboard couplings. So h and w must be divisible by 2^(scales−1)
 *     and leave at least 2 pixels for the last checkerboard
 * @param resnetBlocks images only: residual blocks per conditioner (default 4, at least 1; YAML
 *     {@code resnet_blocks})
 * @param resnetChannels images only: feature maps of the conditioner (default 64, at least 1; YAML
 *     {@code resnet_channels})
 */
public record RealNvpConfig(
    Integer couplings,
    List<Integer> hidden,
    String activation,
    String scale,
    Double scaleBound,
    String normalization,
    String base,
    String mask,
    Integer scales,
    Integer resnetBlocks,
    Integer resnetChannels) {

  /** Values accepted for {@code scale}. */
  public static final List<String> SCALES = List.of("tanh", "softclamp");

  /** Values accepted for {@code normalization}. */
  public static final List<String> NORMALIZATIONS = List.of("actnorm", "none");

  /** Values accepted for {@code base}. */
  public static final List<String> BASES = List.of("normal", "logistic");

  /** Values accepted for {@code mask}. */
  public static final List<String> MASKS = List.of("alternating", "checkerboard");

  /** Fills defaults and checks ranges. */
  public RealNvpConfig {
    couplings = Require.atLeast("couplings", couplings == null ? 8 : couplings, 1);
    hidden = Require.widths("hidden", hidden, List.of(64, 64));
    activation =
        Require.oneOf("activation", activation == null ? "elu" : activation, Activation.names());
    scale = Require.oneOf("scale", scale == null ? "tanh" : scale, SCALES);
    scaleBound = Require.positive("scale_bound", scaleBound == null ? 2.0 : scaleBound);
    normalization = normalization == null ? "actnorm" : normalization;
    if (normalization.toLowerCase(Locale.ROOT).replaceAll("[^a-z]", "").startsWith("batch")) {
      throw new InvalidValueException(
          "normalization",
          "batch norm is not supported: it needs separate train and eval modes, which flow"
              + " bijectors do not have; use actnorm, its batch-independent replacement (as in Glow)");
    }
    normalization = Require.oneOf("normalization", normalization, NORMALIZATIONS);
    base = Require.oneOf("base", base == null ? "normal" : base, BASES);
    mask = Require.oneOf("mask", mask == null ? "alternating" : mask, MASKS);
    scales = Require.atLeast("scales", scales == null ? 2 : scales, 1);
    resnetBlocks = Require.atLeast("resnet_blocks", resnetBlocks == null ? 4 : resnetBlocks, 1);
    resnetChannels =
        Require.atLeast("resnet_channels", resnetChannels == null ? 64 : resnetChannels, 1);
  }

  /** Every key at its default. */
  public static RealNvpConfig defaults() {
    return new RealNvpConfig(null, null, null, null, null, null, null, null, null, null, null);
  }

  /** The vector model's keys set, image keys at their defaults. */
  static RealNvpConfig vector(
      Integer couplings,
      List<Integer> hidden,
      String activation,
      String scale,
      Double scaleBound,
      String normalization,
      String base,
      String mask) {
    return new RealNvpConfig(
        couplings,
        hidden,
        activation,
        scale,
        scaleBound,
        normalization,
        base,
        mask,
        null,
        null,
        null);
  }

  /** The image model's keys set, vector keys at their defaults. */
  static RealNvpConfig image(
      int scales,
      int resnetBlocks,
      int resnetChannels,
      String activation,
      String scale,
      String normalization,
      String base) {
    return new RealNvpConfig(
        null,
        null,
        activation,
        scale,
        null,
        normalization,
        base,
        null,
        scales,
        resnetBlocks,
        resnetChannels);
  }
}
