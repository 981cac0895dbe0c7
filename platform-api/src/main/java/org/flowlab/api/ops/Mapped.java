package org.flowlab.api.ops;

/**
 * What an invertible map's definition returns: the mapped value and its log-det (per sample for a
 * bijector, per element for an elementwise transform).
 *
 * @param value the mapped value
 * @param logDet the log-det
 * @param <T> the value type of the interpretation
 */
public record Mapped<T>(T value, T logDet) {}
