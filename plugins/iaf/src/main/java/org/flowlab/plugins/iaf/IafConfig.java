package org.flowlab.plugins.iaf;

import java.util.List;
import org.flowlab.api.config.Require;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.Made;

/**
 * The {@code model.params} block of an IAF experiment (snake_case keys in YAML). A missing key
 * takes its default.
 *
 * @param layers number of autoregressive layers (default 5; at least 1)
 * @param hidden hidden widths of each MADE (default [64, 64]; each at least 1)
 * @param order the autoregressive order from one layer to the next: {@code reversed} (default),
 *     {@code natural} or {@code random} (a seeded permutation per layer)
 * @param activation nonlinearity of the MADEs: tanh, relu, elu, softplus or silu (default relu)
 * @param residual whether each MADE is a residual MADE (nflows' ResidualMADE: the first masked
 *     layer to the hidden width, then one pre-activation masked residual block of two layers per
 *     further width, each starting as the identity); the widths must then be equal, at least two
 *     (default false)
 * @param gated Kingma et al.'s gated update {@code x = σ⊙z + (1 − σ)⊙m}, {@code σ = sigmoid(s +
 *     2)}, instead of the affine {@code x = z·exp(ŝ) + m} (default false)
 * @param actnorm whether an actnorm (per-feature affine, initialised from the first batch) precedes
 *     each layer in the data → latent direction (default false)
 * @param identityInit whether each MADE's output layer starts at zero (YAML {@code identity_init};
 *     default true): the identity for the affine update, {@code x = 0.88·z} for the gated one
 * @param logScaleBound the largest |log-scale| of the affine update, a soft clamp {@code
 *     B·tanh(s/B)} (YAML {@code log_scale_bound}; default 3, in (0, 20]; unused when gated)
 * @param prior the latent distribution: {@code normal} (default) or {@code logistic}
 */
public record IafConfig(
    Integer layers,
    List<Integer> hidden,
    String order,
    String activation,
    Boolean residual,
    Boolean gated,
    Boolean actnorm,
    Boolean identityInit,
    Double logScaleBound,
    String prior) {

  /** Values accepted for {@code prior}. */
  public static final List<String> PRIORS = List.of("normal", "logistic");

  /** Fills defaults and checks ranges. */
  public IafConfig {
    layers = Require.atLeast("layers", layers == null ? 5 : layers, 1);
    hidden = Require.nonEmpty("hidden", Require.widths("hidden", hidden, List.of(64, 64)));
    order = Require.oneOf("order", order == null ? "reversed" : order, Made.ORDERINGS);
    activation =
        Require.oneOf("activation", activation == null ? "relu" : activation, Activation.names());
    residual = residual != null && residual;
    if (residual) {
      Require.sameWidths("hidden", hidden, 2);
    }
    gated = gated != null && gated;
    actnorm = actnorm != null && actnorm;
    identityInit = identityInit == null || identityInit;
    logScaleBound =
        Require.between("log_scale_bound", logScaleBound == null ? 3.0 : logScaleBound, 1e-3, 20);
    prior = Require.oneOf("prior", prior == null ? "normal" : prior, PRIORS);
  }

  /** Every key at its default. */
  public static IafConfig defaults() {
    return new IafConfig(null, null, null, null, null, null, null, null, null, null);
  }
}
