package org.flowlab.plugins.iaf;

import java.util.List;
import org.flowlab.api.bijector.AutoregressiveOptions;

/**
 * The {@code model.params} block of an IAF experiment (snake_case keys in YAML): the keys of {@link
 * AutoregressiveOptions} (see there), with its defaults and checks, and {@code gated}. A missing
 * key takes its default.
 *
 * @param gated Kingma et al.'s gated update {@code x = σ⊙z + (1 − σ)⊙m}, {@code σ = sigmoid(s +
 *     2)}, instead of the affine {@code x = z·exp(ŝ) + m} (default false). With {@code
 *     identity_init} the gated update starts as {@code x = 0.88·z}; {@code log_scale_bound} is then
 *     unused.
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

  /**
   * Fills defaults and checks ranges: those of {@link AutoregressiveOptions}, and {@code gated}.
   */
  public IafConfig {
    AutoregressiveOptions filled =
        new AutoregressiveOptions(
            layers,
            hidden,
            order,
            activation,
            residual,
            actnorm,
            identityInit,
            logScaleBound,
            prior);
    layers = filled.layers();
    hidden = filled.hidden();
    order = filled.order();
    activation = filled.activation();
    residual = filled.residual();
    gated = gated != null && gated;
    actnorm = filled.actnorm();
    identityInit = filled.identityInit();
    logScaleBound = filled.logScaleBound();
    prior = filled.prior();
  }

  /** Every key at its default. */
  public static IafConfig defaults() {
    return new IafConfig(null, null, null, null, null, null, null, null, null, null);
  }

  /** These keys but {@code gated} as the options the flow is built from. */
  public AutoregressiveOptions options() {
    return new AutoregressiveOptions(
        layers, hidden, order, activation, residual, actnorm, identityInit, logScaleBound, prior);
  }
}
