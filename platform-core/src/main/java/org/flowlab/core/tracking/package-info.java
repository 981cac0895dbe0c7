/**
 * Run tracking. {@link org.flowlab.core.tracking.LocalRunStore} is the embedded store and the
 * source of truth: a folder per run ({@code runs/<id>/meta.json, params.json, tags.json,
 * metrics/*.jsonl, artifacts/}) written atomically. {@link org.flowlab.core.tracking.MlflowTracker}
 * writes the same store and mirrors it to an MLflow server over REST from one background thread
 * (every request with a deadline), spooling while the server is unreachable; {@code flowlab sync}
 * sends what is pending. The MLflow side is split by job: {@code MlflowRest} (transport), {@code
 * MlflowSendLoop} (the sender thread), {@code MlflowRunSender} and {@code MlflowRunTags} (the
 * record mapping), {@code MlflowModels} (registry and logged models), {@link
 * org.flowlab.core.tracking.RunDataset} and {@code SystemMetricsSampler} (run inputs, system/
 * metrics). {@link org.flowlab.core.tracking.RunTags} collects provenance tags.
 */
package org.flowlab.core.tracking;
