package org.flowlab.core.tracking;

import java.util.Map;

/**
 * What the local store knows about one run, as listed by {@code flowlab runs}.
 *
 * @param id the local run id ({@code yyyyMMdd-HHmmss-xxxxxx})
 * @param name the human-readable run name
 * @param experiment the experiment name
 * @param parentRunId the parent run's local id, or null
 * @param status the run's status
 * @param startTimeMs start time in epoch milliseconds
 * @param endTimeMs end time in epoch milliseconds, or null while running
 * @param latestMetrics the last logged value of each metric (by step, then by time)
 * @param params the params
 * @param tags the tags
 */
public record RunSummary(
    String id,
    String name,
    String experiment,
    String parentRunId,
    Tracker.Status status,
    long startTimeMs,
    Long endTimeMs,
    Map<String, Double> latestMetrics,
    Map<String, String> params,
    Map<String, String> tags) {}
