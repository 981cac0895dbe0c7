package org.flowlab.core.tracking;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/**
 * Where runs are recorded. Every backend writes the local run store first (nothing is ever lost);
 * an MLflow backend then mirrors those records to the server, and keeps what it could not send
 * pending for {@code flowlab sync}.
 */
public interface Tracker extends AutoCloseable {
  /**
   * Starts a new run.
   *
   * @param experiment the experiment name (created on first use)
   * @param runName a human-readable name
   * @param parentRunId the parent run's id for sweep trials, or null
   */
  TrackedRun start(String experiment, String runName, String parentRunId) throws IOException;

  /** Reopens an existing run (by id or unique id prefix) to continue it after an interruption. */
  Optional<TrackedRun> resume(String runIdOrPrefix) throws IOException;

  /**
   * Reopens a run to add records (artifacts, tags) without changing its status, e.g. a model
   * exported from a finished run. {@link TrackedRun#flush} sends them to a remote server.
   */
  Optional<TrackedRun> amend(String runIdOrPrefix) throws IOException;

  /**
   * Sends whatever is still pending to a remote server; returns a one-line summary. No-op for local
   * only.
   */
  String sync() throws IOException;

  /**
   * A short description for messages, e.g. {@code local store runs/} or {@code MLflow
   * http://127.0.0.1:5000}.
   */
  String describe();

  @Override
  void close() throws IOException;

  /** Final states of a run, as MLflow names them. */
  enum Status {
    RUNNING,
    FINISHED,
    FAILED,
    KILLED
  }

  /** Convenience for tags and params. */
  static Map<String, String> of(String... keyValues) {
    java.util.LinkedHashMap<String, String> map = new java.util.LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      map.put(keyValues[i], keyValues[i + 1]);
    }
    return map;
  }
}
