package org.flowlab.plugins.nsf;

import java.util.List;
import org.flowlab.api.bijector.RationalQuadraticSpline;
import org.flowlab.api.config.InvalidValueException;
import org.flowlab.api.config.Require;
import org.flowlab.api.nn.Activation;

/**
 * The {@code model.params} block of a neural spline flow experiment (snake_case keys in YAML). A
 * missing key takes its default; the defaults are the toy-density model.
 *
 * @param variant {@code coupling} (RQ-NSF(C), the default) or {@code autoregressive} (RQ-NSF(AR):
 *     MADE conditioners, vectors only)
 * @param layers spline layers: in all for vectors, per level for images (default 4, at least 1)
 * @param hidden vectors only: hidden widths of each conditioner, MLP or MADE (default [64, 64]; the
 *     MADE needs at least one, d − 1 or wider keeps every degree)
 * @param hiddenChannels images only: feature maps of each conv conditioner (default 64; YAML {@code
 *     hidden_channels})
 * @param levels images only: levels of the multi-scale model, each a squeeze, {@code layers}
 *     couplings and (but the last) the factor-out of half the channels (default 2); h and w must be
 *     divisible by 2^levels
 * @param activation nonlinearity of the conditioners: tanh, relu, elu, softplus or silu (default
 *     relu)
 * @param bins K, bins per spline (default 8, at least 2)
 * @param tailBound B: the splines act on [−B, B], the identity outside (default 5.0; YAML {@code
 *     tail_bound})
 * @param minBinWidth least bin width as a fraction of 2B (default 1e-3, in [0, 1/bins); YAML {@code
 *     min_bin_width})
 * @param minBinHeight least bin height as a fraction of 2B (default 1e-3, in [0, 1/bins); YAML
 *     {@code min_bin_height})
 * @param minDerivative least knot derivative (default 1e-3, in [0, 1); YAML {@code min_derivative})
 * @param actnorm an actnorm layer before every coupling, initialised from the first batch (default
 *     false)
 */
public record NsfConfig(
    String variant,
    Integer layers,
    List<Integer> hidden,
    Integer hiddenChannels,
    Integer levels,
    String activation,
    Integer bins,
    Double tailBound,
    Double minBinWidth,
    Double minBinHeight,
    Double minDerivative,
    Boolean actnorm) {

  /** Values accepted for {@code variant}. */
  public static final List<String> VARIANTS = List.of("coupling", "autoregressive");

  /** Fills defaults and checks ranges. */
  public NsfConfig {
    variant = Require.oneOf("variant", variant == null ? "coupling" : variant, VARIANTS);
    layers = Require.atLeast("layers", layers == null ? 4 : layers, 1);
    hidden = Require.widths("hidden", hidden, List.of(64, 64));
    hiddenChannels =
        Require.atLeast("hidden_channels", hiddenChannels == null ? 64 : hiddenChannels, 1);
    levels = Require.atLeast("levels", levels == null ? 2 : levels, 1);
    activation =
        Require.oneOf("activation", activation == null ? "relu" : activation, Activation.names());
    bins = Require.atLeast("bins", bins == null ? 8 : bins, 2);
    tailBound = Require.positive("tail_bound", tailBound == null ? 5.0 : tailBound);
    double largest = 1.0 / bins;
    minBinWidth = belowOneOver("min_bin_width", minBinWidth, largest);
    minBinHeight = belowOneOver("min_bin_height", minBinHeight, largest);
    minDerivative = belowOneOver("min_derivative", minDerivative, 1.0);
    actnorm = actnorm != null && actnorm;
    if (variant.equals("autoregressive") && hidden.isEmpty()) {
      throw new InvalidValueException("hidden", "the autoregressive variant needs a hidden layer");
    }
  }

  /** Every key at its default. */
  public static NsfConfig defaults() {
    return new NsfConfig(null, null, null, null, null, null, null, null, null, null, null, null);
  }

  /** The spline these settings describe. */
  RationalQuadraticSpline spline() {
    return new RationalQuadraticSpline(bins, tailBound, minBinWidth, minBinHeight, minDerivative);
  }

  private static double belowOneOver(String key, Double value, double limit) {
    double v =
        Require.nonNegative(key, value == null ? RationalQuadraticSpline.DEFAULT_MINIMUM : value);
    if (v >= limit) {
      throw new InvalidValueException(key, "must be below " + limit + ", got " + v);
    }
    return v;
  }
}
