package org.flowlab.core.vi;

import java.util.List;
import org.flowlab.api.target.TargetDensity;

/** The target densities the host registers itself, beside those plugins add. */
public final class BuiltInTargets {
  private BuiltInTargets() {}

  /** U1–U4, banana, funnel and gmm. */
  public static List<TargetDensity<?>> all() {
    return List.of(
        new EnergyTarget(1),
        new EnergyTarget(2),
        new EnergyTarget(3),
        new EnergyTarget(4),
        new BananaTarget(),
        new FunnelTarget(),
        new GaussianMixtureTarget());
  }
}
