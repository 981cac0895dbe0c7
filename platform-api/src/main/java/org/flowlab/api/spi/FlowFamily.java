package org.flowlab.api.spi;

import java.util.EnumSet;
import java.util.Set;
import org.flowlab.api.flow.Direction;
import org.flowlab.api.flow.Flow;
import org.pf4j.ExtensionPoint;

/**
 * The extension point every flow-family plugin implements (annotate the class with
 * {@code @Extension}). The host finds families by {@link #name()}, binds the YAML {@code
 * model.params} block to {@link #configType()} — unknown or ill-typed keys are errors that name the
 * key and line — and calls {@link #build}. Extensions are created by Guice, so a family may
 * {@code @Inject} host services.
 *
 * @param <C> the family's config record; its compact constructor fills defaults and validates
 *     ranges with {@link org.flowlab.api.config.Require}
 */
public interface FlowFamily<C> extends ExtensionPoint {
  /** The name used in YAML {@code model.family}, e.g. {@code realnvp}. */
  String name();

  /** One line for {@code flowlab plugins}. */
  String description();

  /** The record type bound from {@code model.params}. */
  Class<C> configType();

  /**
   * The directions the family's flows offer (default both). A family without {@link
   * Direction#DENSITY} (planar, radial: no closed-form inverse) cannot be trained by maximum
   * likelihood nor export {@code log_prob}; one without {@link Direction#SAMPLING} cannot be
   * trained by reverse KL.
   */
  default Set<Direction> directions() {
    return EnumSet.allOf(Direction.class);
  }

  /**
   * Builds an untrained flow for data of {@code context.eventShape()}.
   *
   * @throws FamilyBuildException when the params do not suit this data (bad input, reported at
   *     {@code model.params.<key>})
   */
  Flow build(C config, BuildContext context);
}
