package org.flowlab.plugins.realnvp;

import java.util.List;
import org.flowlab.api.config.InvalidValueException;
import org.flowlab.api.config.Require;
import org.flowlab.api.nn.Activation;

/**
 * The {@code model.params} block of a RealNVP experiment (snake_case keys in YAML). A missing key
 * takes its default; the defaults give a good model for toy 2D densities.
 *
 * @param couplings number of affine couplings (default 8, at least 1)
 * @param hidden hidden widths of each coupling's conditioner MLP (default [64, 64]; each at least
 *     1; an empty list gives a linear conditioner)
 * @param activation nonlinearity of the conditioner: tanh, relu, elu, softplus or silu (default
 *     elu)
 * @param scale how the log-scale s is bounded: {@code tanh} (default), s = factor · tanh(raw) with
 *     a learned per-dimension factor that starts at 1; or {@code softclamp}, s = bound · tanh(raw /
 *     bound) with the fixed bound {@code scale_bound}
 * @param scaleBound the bound of {@code softclamp} (default 2.0, positive; YAML {@code
 *     scale_bound})
 * @param normalization {@code actnorm} (default: an actnorm layer before every coupling,
 *     initialised from the first batch) or {@code none}
 * @param base the latent distribution: {@code normal} (default) or {@code logistic}
 * @param mask which dimensions a coupling keeps: {@code alternating} (default; the first ⌈d/2⌉
 *     dimensions, then the rest, alternating between couplings) or {@code checkerboard} (even
 *     indices, then odd ones, alternating)
 */
public record RealNvpConfig(
    Integer couplings,
    List<Integer> hidden,
    String activation,
    String scale,
    Double scaleBound,
    String normalization,
    String base,
    String mask) {

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
    hidden = hidden == null ? List.of(64, 64) : hidden;
    for (Integer width : hidden) {
      if (width == null) {
        throw new InvalidValueException("hidden", "widths must be numbers, got null");
      }
      Require.atLeast("hidden", width, 1);
    }
    hidden = List.copyOf(hidden);
    activation =
        Require.oneOf("activation", activation == null ? "elu" : activation, Activation.names());
    scale = Require.oneOf("scale", scale == null ? "tanh" : scale, SCALES);
    scaleBound = Require.positive("scale_bound", scaleBound == null ? 2.0 : scaleBound);
    normalization =
        Require.oneOf(
            "normalization", normalization == null ? "actnorm" : normalization, NORMALIZATIONS);
    base = Require.oneOf("base", base == null ? "normal" : base, BASES);
    mask = Require.oneOf("mask", mask == null ? "alternating" : mask, MASKS);
  }

  /** Every key at its default. */
  public static RealNvpConfig defaults() {
    return new RealNvpConfig(null, null, null, null, null, null, null, null);
  }
}
