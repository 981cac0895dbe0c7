package org.flowlab.core.experiment;

import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.nio.file.Path;
import org.flowlab.core.config.ExperimentConfig.TrackingConfig;
import org.flowlab.core.tracking.LocalRunStore;
import org.flowlab.core.tracking.MlflowTracker;
import org.flowlab.core.tracking.Tracker;

/**
 * Chooses the tracking backend: an {@code http(s)://} URI (from the config, else {@code
 * MLFLOW_TRACKING_URI}) mirrors to MLflow; anything else is the local run store (a folder; default
 * {@code runs/}).
 */
public final class TrackerFactory {
  private final Path runsDir;

  /**
   * @param runsDir the local run store's folder
   */
  @Inject
  public TrackerFactory(@Named("runsDir") Path runsDir) {
    this.runsDir = runsDir;
  }

  /** The tracker for an experiment's {@code tracking} block. */
  public Tracker create(TrackingConfig tracking) {
    return forUri(tracking.uri() != null ? tracking.uri() : System.getenv("MLFLOW_TRACKING_URI"));
  }

  /** The tracker for a URI: null for the default local store. */
  public Tracker forUri(String uri) {
    if (uri != null && (uri.startsWith("http://") || uri.startsWith("https://"))) {
      return new MlflowTracker(new LocalRunStore(runsDir), uri);
    }
    return new LocalRunStore(
        uri == null || uri.isBlank() ? runsDir : Path.of(uri.replaceFirst("^file:", "")));
  }

  /** The local run store every backend writes first. */
  public LocalRunStore localStore() {
    return new LocalRunStore(runsDir);
  }
}
