package org.flowlab.plugins.vi;

import org.flowlab.api.config.Require;

/**
 * The {@code model.params} block of a radial flow (snake_case keys in YAML).
 *
 * @param layers number of radial layers K (default 8; at least 1)
 */
public record RadialConfig(Integer layers) {
  /** Fills defaults and checks ranges. */
  public RadialConfig {
    layers = Require.atLeast("layers", layers == null ? 8 : layers, 1);
  }

  /** Every key at its default. */
  public static RadialConfig defaults() {
    return new RadialConfig(null);
  }
}
