package org.flowlab.plugins.vi;

import org.flowlab.api.config.Require;

/**
 * The {@code model.params} block of a planar flow (snake_case keys in YAML). A missing key takes
 * its default.
 *
 * @param layers number of planar layers K (default 8; at least 1)
 * @param enforceInvertibility whether each layer uses the paper's constrained {@code û} (its
 *     appendix A.1), so that {@code wᵀû ≥ −1} and the layer is invertible (YAML {@code
 *     enforce_invertibility}; default true). With false, {@code u} is used as it is and a layer
 *     with {@code wᵀu < −1} folds space (its log q is then wrong); only for tests and ablations
 */
public record PlanarConfig(Integer layers, Boolean enforceInvertibility) {
  /** Fills defaults and checks ranges. */
  public PlanarConfig {
    layers = Require.atLeast("layers", layers == null ? 8 : layers, 1);
    enforceInvertibility = enforceInvertibility == null || enforceInvertibility;
  }

  /** Every key at its default. */
  public static PlanarConfig defaults() {
    return new PlanarConfig(null, null);
  }
}
