package org.flowlab.core.experiment;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.spi.FlowFamily;
import org.flowlab.core.config.LoadedConfig;
import org.flowlab.core.plugins.PluginHost;

/**
 * An experiment's {@code model} block resolved: the family found through the plugin host and its
 * {@code params} bound to the family's config record.
 *
 * @param family the installed family named by {@code model.family}
 * @param params the bound {@code model.params} record
 */
public record ResolvedModel(FlowFamily<?> family, Object params) {

  /**
   * Finds {@code model.family} and binds {@code model.params}.
   *
   * @throws org.flowlab.core.config.ConfigException for an unknown family or bad params, located in
   *     the YAML
   */
  public static ResolvedModel resolve(LoadedConfig loaded, PluginHost plugins) {
    FlowFamily<?> family =
        plugins
            .family(loaded.config().model().family())
            .orElseThrow(() -> loaded.unknownFamily(plugins.families().keySet()));
    return new ResolvedModel(family, loaded.bindParams(family.configType()));
  }

  /**
   * Builds an untrained flow whose parameters live on {@code manager}'s device, initialised from
   * {@code seed}.
   */
  public Flow build(Shape eventShape, NDManager manager, long seed) {
    return buildTyped(family, eventShape, manager, seed);
  }

  @SuppressWarnings("unchecked")
  private <C> Flow buildTyped(FlowFamily<C> typed, Shape eventShape, NDManager manager, long seed) {
    return typed.build(
        (C) params, new BuildContext(eventShape, ParameterScope.root(manager, seed)));
  }
}
