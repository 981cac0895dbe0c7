package org.flowlab.plugins.glow;

import java.util.List;
import org.flowlab.api.config.Require;
import org.flowlab.api.nn.Activation;

/**
 * The {@code model.params} block of a Glow experiment (snake_case keys in YAML). A missing key
 * takes its default.
 *
 * @param levels L, the number of scales for images (default 2, at least 1): each squeezes, and
 *     every level but the last splits off half its channels; h and w must be divisible by 2^L.
 *     Ignored for vectors
 * @param steps K, flow steps per level for images, or in all for vectors (default 8, at least 1); a
 *     step is actnorm → invertible 1×1 convolution → affine coupling
 * @param hiddenChannels channels of the convolutional coupling networks, images only (default 128,
 *     at least 1; YAML {@code hidden_channels})
 * @param hidden hidden widths of the MLP coupling networks, vectors only (default [64, 64]; each at
 *     least 1)
 * @param activation nonlinearity of the coupling networks: tanh, relu, elu, softplus or silu
 *     (default relu)
 * @param invconv the 1×1 convolution's parametrisation: {@code lu} (default; W = P·L·(U + diag(s)),
 *     log-det h·w·Σ log|s|) or {@code plain} (a full W, log-det h·w·log|det W|)
 * @param couplingNorm {@code actnorm} (default: actnorm after the first two convolutions of each
 *     coupling network, as in Glow) or {@code none} (YAML {@code coupling_norm}); images only
 * @param splitPrior what the factored-out half of each split gets: {@code learned} (default; a
 *     Gaussian whose mean and log-sd come from a zero-initialised conv of the kept half) or {@code
 *     none} (the standard normal base directly; YAML {@code split_prior})
 * @param learnTop whether the top latent gets a learned per-element mean and log-sd in front of the
 *     standard normal base (default false; YAML {@code learn_top})
 */
public record GlowConfig(
    Integer levels,
    Integer steps,
    Integer hiddenChannels,
    List<Integer> hidden,
    String activation,
    String invconv,
    String couplingNorm,
    String splitPrior,
    Boolean learnTop) {

  /** Values accepted for {@code invconv}. */
  public static final List<String> INVCONVS = List.of("lu", "plain");

  /** Values accepted for {@code coupling_norm}. */
  public static final List<String> COUPLING_NORMS = List.of("actnorm", "none");

  /** Values accepted for {@code split_prior}. */
  public static final List<String> SPLIT_PRIORS = List.of("learned", "none");

  /** Fills defaults and checks ranges. */
  public GlowConfig {
    levels = Require.atMost("levels", Require.atLeast("levels", levels == null ? 2 : levels, 1), 8);
    steps = Require.atLeast("steps", steps == null ? 8 : steps, 1);
    hiddenChannels =
        Require.atLeast("hidden_channels", hiddenChannels == null ? 128 : hiddenChannels, 1);
    hidden = Require.widths("hidden", hidden, List.of(64, 64));
    activation =
        Require.oneOf("activation", activation == null ? "relu" : activation, Activation.names());
    invconv = Require.oneOf("invconv", invconv == null ? "lu" : invconv, INVCONVS);
    couplingNorm =
        Require.oneOf(
            "coupling_norm", couplingNorm == null ? "actnorm" : couplingNorm, COUPLING_NORMS);
    splitPrior =
        Require.oneOf("split_prior", splitPrior == null ? "learned" : splitPrior, SPLIT_PRIORS);
    learnTop = learnTop != null && learnTop;
  }

  /** Every key at its default. */
  public static GlowConfig defaults() {
    return new GlowConfig(null, null, null, null, null, null, null, null, null);
  }
}
