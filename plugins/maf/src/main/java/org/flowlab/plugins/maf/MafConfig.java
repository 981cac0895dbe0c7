package org.flowlab.plugins.maf;

import java.util.List;
import org.flowlab.api.bijector.AutoregressiveOptions;

/**
 * The {@code model.params} block of a MAF experiment (snake_case keys in YAML): the keys of {@link
 * AutoregressiveOptions} (see there), with its defaults and checks. A missing key takes its
 * default.
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

  /** Fills defaults and checks ranges: those of {@link AutoregressiveOptions}. */
  public MafConfig {
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
    actnorm = filled.actnorm();
    identityInit = filled.identityInit();
    logScaleBound = filled.logScaleBound();
    prior = filled.prior();
  }

  /** Every key at its default. */
  public static MafConfig defaults() {
    return new MafConfig(null, null, null, null, null, null, null, null, null);
  }

  /** These keys as the options the flow is built from. */
  public AutoregressiveOptions options() {
    return new AutoregressiveOptions(
        layers, hidden, order, activation, residual, actnorm, identityInit, logScaleBound, prior);
  }
}
