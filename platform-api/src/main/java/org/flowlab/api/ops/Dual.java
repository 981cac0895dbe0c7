package org.flowlab.api.ops;

/**
 * A dual number: a value and its tangent {@code J·v}.
 *
 * @param primal the value
 * @param tangent the tangent, or null where it is zero (parameters, constants)
 * @param <T> the value type of the underlying interpretation
 */
public record Dual<T>(T primal, T tangent) {}
