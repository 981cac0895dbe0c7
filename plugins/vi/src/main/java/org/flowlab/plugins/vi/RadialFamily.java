package org.flowlab.plugins.vi;

import java.util.EnumSet;
import java.util.Set;
import org.flowlab.api.flow.Direction;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.spi.FlowFamily;
import org.pf4j.Extension;

/**
 * The {@code radial} family (Rezende and Mohamed 2015): {@code layers} radial layers ({@link
 * RadialLayer}) on vectors over a standard normal base, sampling direction only. Built with a
 * context ({@link BuildContext#contextDim()} &gt; 0) the flow is amortised: every layer's z₀, α and
 * β follow the context.
 */
@Extension
public final class RadialFamily implements FlowFamily<RadialConfig> {
  @Override
  public String name() {
    return "radial";
  }

  @Override
  public Set<Direction> directions() {
    return EnumSet.of(Direction.SAMPLING);
  }

  @Override
  public Class<RadialConfig> configType() {
    return RadialConfig.class;
  }

  @Override
  public String description() {
    return "radial flow z + βh(α, r)(z − z₀) for variational inference (Rezende & Mohamed 2015),"
        + " sampling direction only";
  }

  @Override
  public Flow build(RadialConfig config, BuildContext context) {
    return LayerStack.build(
        name(),
        context,
        config.layers(),
        (scope, k, d) -> new RadialLayer(scope, d, context.contextDim()));
  }
}
