package org.flowlab.core.tracking;

/**
 * One logged metric value.
 *
 * @param key the metric key (may contain '/')
 * @param step the training step it was logged at
 * @param value the value
 * @param timestamp wall-clock time in epoch milliseconds
 */
public record MetricPoint(String key, long step, double value, long timestamp) {}
