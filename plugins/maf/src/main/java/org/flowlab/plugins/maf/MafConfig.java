package org.flowlab.plugins.maf;

import java.util.List;
import org.flowlab.api.config.Require;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.Made;

/**
 * The {@code model.params} block of a MAF experiment (snake_case keys in YAML). A missing key takes
 * its default.
 *
 * @param layers number of autoregressive layers (default 5, as in the paper; at least 1)
 * @param hidden hidden widths of each MADE (default [64, 64]; each at least 1; d − 1 or wider keeps
 *     every MADE degree, narrower leaves the later elements in the order conditioned on the first
 *     ones only)
 * @param order the autoregressive order from one layer to the next: {@code reversed} (default,
 *     natural then reversed, alternating), {@code natural} (the same in every layer) or {@code
 *     random} (a seeded permutation per layer)
 * @param activation nonlinearity of the MADEs: tanh, relu, elu, softplus or silu (default relu)
 * @param residual whether each MADE is a residual MADE (nflows' ResidualMADE: the first masked
 *     layer to the hidden width, then one pre-activation masked residual block of two layers per
 *     further width, each starting as the identity); the widths must then be equal, at least two
 *     (default false)
 * @param actnorm whether an actnorm (per-feature affine, initialised from the first batch) precedes
 *     each layer: MAF's batch norm between layers without batch statistics (default false)
 * @param identityInit whether each MADE's output layer starts at zero, so that the flow starts as
 *     the identity (YAML {@code identity_init}; default true)
 * @param logScaleBound the largest |log-scale| of each affine map, a soft clamp {@code B·tanh(s/B)}
 *     (YAML {@code log_scale_bound}; default 3, in (0, 20])
 * @param prior the latent distribution: {@code normal} (default) or {@code logistic}
 */
public record MafConfig(
    Integer layers,
    List<Integer> hidden,
    String order,
    String activation,
    Boolean residual,
    Boolean actnorm,
    Boolean identityInit,
    Double logScaleBound,
    String prior) {

  /** Values accepted for {@code prior}. */
  public static final List<String> PRIORS = List.of("normal", "logistic");

  /** Fills defaults and checks ranges. */
  public MafConfig {
    layers = Require.atLeast("layers", layers == null ? 5 : layers, 1);
    hidden = Require.nonEmpty("hidden", Require.widths("hidden", hidden, List.of(64, 64)));
    order = Require.oneOf("order", order == null ? "reversed" : order, Made.ORDERINGS);
    activation =
        Require.oneOf("activation", activation == null ? "relu" : activation, Activation.names());
    residual = residual != null && residual;
    if (residual) {
      Require.sameWidths("hidden", hidden, 2);
    }
    actnorm = actnorm != null && actnorm;
    identityInit = identityInit == null || identityInit;
    logScaleBound =
        Require.between("log_scale_bound", logScaleBound == null ? 3.0 : logScaleBound, 1e-3, 20);
    prior = Require.oneOf("prior", prior == null ? "normal" : prior, PRIORS);
  }

  /** Every key at its default. */
  public static MafConfig defaults() {
    return new MafConfig(null, null, null, null, null, null, null, null, null);
  }
}
