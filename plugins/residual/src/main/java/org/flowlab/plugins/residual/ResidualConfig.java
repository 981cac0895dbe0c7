package org.flowlab.plugins.residual;

import java.util.List;
import org.flowlab.api.config.Require;

/**
 * The {@code model.params} block of a residual-flow experiment (snake_case keys in YAML). A missing
 * key takes its default; several defaults depend on {@code variant}.
 *
 * @param variant {@code residual_flows} (default: Russian-roulette log-det, LipSwish, actnorm) or
 *     {@code iresnet} (truncated series, ELU, no actnorm)
 * @param blocks number of residual blocks (default 8, at least 1)
 * @param hidden hidden widths of each block's network g (default [64, 64]; each at least 1)
 * @param activation nonlinearity of g, one with slope at most 1: lipswish, elu, tanh, relu or
 *     softplus (default lipswish for residual_flows, elu for iresnet)
 * @param coeff spectral-normalisation coefficient c, Lip(g) ≤ c, in [0.01, 0.999] (default 0.98 for
 *     residual_flows, 0.9 for iresnet)
 * @param powerIterations least number of power-iteration steps per training call (default 5; YAML
 *     {@code power_iterations}); the iteration continues until σ̂ changes by less than 1e-5
 *     relative
 * @param seriesTerms i-ResNet: terms of the truncated series in training (default 5; YAML {@code
 *     series_terms})
 * @param exactTerms Residual Flows: terms always computed before the roulette (default 2; YAML
 *     {@code exact_terms})
 * @param roulette Residual Flows: the distribution of the extra terms N, {@code geometric}
 *     (default) or {@code poisson}
 * @param rouletteP the geometric p, in (0, 1) exclusive (default 0.5; YAML {@code roulette_p})
 * @param rouletteLambda the Poisson λ, positive (default 2.0; YAML {@code roulette_lambda})
 * @param evalTerms terms used when an exact log-det is asked for but d > 64 (default 20; YAML
 *     {@code eval_terms}): the series length for i-ResNet, the exact terms before the roulette for
 *     Residual Flows; also the length of the fixed-probe series the ONNX export emits (mode {@code
 *     EXPORTED}) for such blocks
 * @param normalization {@code actnorm} (an actnorm layer before every block) or {@code none}
 *     (default actnorm for residual_flows, none for iresnet)
 * @param base the latent distribution: {@code normal} (default) or {@code logistic}
 * @param inverseTolerance fixed-point inverse: stop when max |x_{k+1} − x_k| is at most this
 *     (default 1e-5, positive; YAML {@code inverse_tolerance}; float32 rounding puts a floor near
 *     1e-6 for inputs of order 10)
 * @param inverseMaxIterations fixed-point inverse: iterations per block before failing (default
 *     2000; YAML {@code inverse_max_iterations})
 * @param scales images only: the number of scales of the multi-scale model (default 2, at least 1);
 *     each scale but the last ends with a squeeze and the factor-out of half the channels, so
 *     height and width must be multiples of 2^(scales−1); {@code blocks} is then per scale
 */
public record ResidualConfig(
    String variant,
    Integer blocks,
    List<Integer> hidden,
    String activation,
    Double coeff,
    Integer powerIterations,
    Integer seriesTerms,
    Integer exactTerms,
    String roulette,
    Double rouletteP,
    Double rouletteLambda,
    Integer evalTerms,
    String normalization,
    String base,
    Double inverseTolerance,
    Integer inverseMaxIterations,
    Integer scales) {

  /** Values accepted for {@code variant}. */
  public static final List<String> VARIANTS = List.of("iresnet", "residual_flows");

  /** Values accepted for {@code activation}: the 1-Lipschitz ones. */
  public static final List<String> ACTIVATIONS =
      List.of("lipswish", "elu", "tanh", "relu", "softplus");

  /** Values accepted for {@code roulette}. */
  public static final List<String> ROULETTES = List.of("geometric", "poisson");

  /** Values accepted for {@code normalization}. */
  public static final List<String> NORMALIZATIONS = List.of("actnorm", "none");

  /** Values accepted for {@code base}. */
  public static final List<String> BASES = List.of("normal", "logistic");

  /** Fills defaults (some depend on the variant) and checks ranges. */
  public ResidualConfig {
    variant = Require.oneOf("variant", variant == null ? "residual_flows" : variant, VARIANTS);
    boolean rf = variant.equals("residual_flows");
    blocks = Require.atLeast("blocks", blocks == null ? 8 : blocks, 1);
    hidden = Require.widths("hidden", hidden, List.of(64, 64));
    activation =
        Require.oneOf(
            "activation", activation == null ? (rf ? "lipswish" : "elu") : activation, ACTIVATIONS);
    coeff = Require.between("coeff", coeff == null ? (rf ? 0.98 : 0.9) : coeff, 0.01, 0.999);
    powerIterations =
        Require.atLeast("power_iterations", powerIterations == null ? 5 : powerIterations, 1);
    seriesTerms = Require.atLeast("series_terms", seriesTerms == null ? 5 : seriesTerms, 1);
    exactTerms = Require.atLeast("exact_terms", exactTerms == null ? 2 : exactTerms, 0);
    roulette = Require.oneOf("roulette", roulette == null ? "geometric" : roulette, ROULETTES);
    rouletteP = Require.between("roulette_p", rouletteP == null ? 0.5 : rouletteP, 0.01, 0.99);
    rouletteLambda =
        Require.positive("roulette_lambda", rouletteLambda == null ? 2.0 : rouletteLambda);
    evalTerms = Require.atLeast("eval_terms", evalTerms == null ? 20 : evalTerms, 1);
    normalization =
        Require.oneOf(
            "normalization",
            normalization == null ? (rf ? "actnorm" : "none") : normalization,
            NORMALIZATIONS);
    base = Require.oneOf("base", base == null ? "normal" : base, BASES);
    inverseTolerance =
        Require.positive("inverse_tolerance", inverseTolerance == null ? 1e-5 : inverseTolerance);
    inverseMaxIterations =
        Require.atLeast(
            "inverse_max_iterations",
            inverseMaxIterations == null ? 2000 : inverseMaxIterations,
            1);
    scales = Require.atLeast("scales", scales == null ? 2 : scales, 1);
  }

  /** Every key at its default (Residual Flows). */
  public static ResidualConfig defaults() {
    return variant("residual_flows");
  }

  /** Every key but the variant at its default. */
  public static ResidualConfig variant(String variant) {
    return new ResidualConfig(
        variant, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
        null, null);
  }

  /** Whether this is the Residual Flows variant (else i-ResNet). */
  public boolean residualFlows() {
    return variant.equals("residual_flows");
  }
}
