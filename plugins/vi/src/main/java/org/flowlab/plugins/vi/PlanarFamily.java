package org.flowlab.plugins.vi;

import java.util.EnumSet;
import java.util.Set;
import org.flowlab.api.flow.Direction;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.spi.FlowFamily;
import org.pf4j.Extension;

/**
 * The {@code planar} family (Rezende and Mohamed 2015): {@code layers} planar layers ({@link
 * PlanarLayer}) on vectors over a standard normal base, sampling direction only. Built with a
 * context ({@link BuildContext#contextDim()} &gt; 0) the flow is amortised: every layer's w, u and
 * b follow the context.
 */
@Extension
public final class PlanarFamily implements FlowFamily<PlanarConfig> {
  @Override
  public String name() {
    return "planar";
  }

  @Override
  public Set<Direction> directions() {
    return EnumSet.of(Direction.SAMPLING);
  }

  @Override
  public Class<PlanarConfig> configType() {
    return PlanarConfig.class;
  }

  @Override
  public String description() {
    return "planar flow z + û·tanh(wᵀz + b) for variational inference (Rezende & Mohamed 2015),"
        + " sampling direction only";
  }

  @Override
  public Flow build(PlanarConfig config, BuildContext context) {
    return LayerStack.build(
        name(),
        context,
        config.layers(),
        (scope, k, d) ->
            new PlanarLayer(scope, d, config.enforceInvertibility(), context.contextDim()));
  }
}
