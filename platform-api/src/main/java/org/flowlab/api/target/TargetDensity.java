package org.flowlab.api.target;

import org.pf4j.ExtensionPoint;

/**
 * The extension point of target densities (annotate the class with {@code @Extension}): the host
 * finds them by {@link #name()} ({@code target.name} in YAML), binds the {@code target.params}
 * block to {@link #configType()} with located errors, as for flow families, and calls {@link
 * #build}. The host registers its own targets (Rezende and Mohamed's U1–U4, banana, funnel, gmm)
 * the same way.
 *
 * @param <C> the target's config record; its compact constructor fills defaults and validates
 *     ranges with {@link org.flowlab.api.config.Require}
 */
public interface TargetDensity<C> extends ExtensionPoint {
  /** The name used in YAML {@code target.name}, e.g. {@code u1}. */
  String name();

  /** One line for {@code flowlab plugins}. */
  String description();

  /** The record type bound from {@code target.params}. */
  Class<C> configType();

  /**
   * Builds the target.
   *
   * @param dim {@code target.dim}, or null when the YAML has none (the target's default)
   * @throws org.flowlab.api.config.InvalidValueException for a dimension the target does not
   *     support (key {@code dim}, reported at {@code target.dim}) or params that do not fit it (a
   *     {@code target.params} key)
   */
  Target build(C config, Integer dim);
}
