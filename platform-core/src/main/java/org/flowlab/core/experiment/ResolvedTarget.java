package org.flowlab.core.experiment;

import org.flowlab.api.config.InvalidValueException;
import org.flowlab.api.target.Target;
import org.flowlab.api.target.TargetDensity;
import org.flowlab.core.config.ExperimentConfig.TargetConfig;
import org.flowlab.core.config.LoadedConfig;
import org.flowlab.core.plugins.PluginHost;

/**
 * A {@code reverse_kl} experiment's {@code target} block resolved: the target density found by name
 * among the host's and the plugins' targets, its {@code params} bound, and the target built.
 *
 * @param density the target density named by {@code target.name}
 * @param target the built target
 */
public record ResolvedTarget(TargetDensity<?> density, Target target) {
  /**
   * Finds {@code target.name}, binds {@code target.params} and builds the target.
   *
   * @throws org.flowlab.core.config.ConfigException for an unknown target, bad params or a
   *     dimension the target does not support, located in the YAML
   */
  public static ResolvedTarget resolve(LoadedConfig loaded, PluginHost plugins) {
    TargetConfig block = loaded.config().target();
    TargetDensity<?> density = plugins.targets().get(block.name());
    if (density == null) {
      throw loaded.unknownTarget(plugins.targets().keySet());
    }
    try {
      return new ResolvedTarget(
          density, build(density, loaded.bindTargetParams(density.configType()), block.dim()));
    } catch (InvalidValueException e) {
      String key = e.key().equals("dim") ? "target.dim" : "target.params." + e.key();
      throw loaded.invalidValue(key, e.problem());
    }
  }

  @SuppressWarnings("unchecked")
  private static <C> Target build(TargetDensity<C> density, Object params, Integer dim) {
    return density.build((C) params, dim);
  }
}
