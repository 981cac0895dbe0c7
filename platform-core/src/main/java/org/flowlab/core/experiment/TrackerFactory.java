package org.flowlab.core.experiment;

import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.flowlab.api.config.InvalidValueException;
import org.flowlab.core.config.ConfigException;
import org.flowlab.core.config.ExperimentConfig.TrackingConfig;
import org.flowlab.core.config.TrackingUri;
import org.flowlab.core.tracking.LocalRunStore;
import org.flowlab.core.tracking.MlflowTracker;
import org.flowlab.core.tracking.Tracker;

/**
 * The one place that turns a tracking URI into a tracker, and a run argument into a run folder.
 *
 * <p>Where runs are written: {@code tracking.uri} (else {@code MLFLOW_TRACKING_URI}) under the rule
 * of {@link TrackingUri}. A folder is the local run store there; an MLflow server mirrors the
 * {@code --runs-dir} store; none is the {@code --runs-dir} store.
 *
 * <p>Where runs are read ({@link #locate}): a run argument is a run's folder (any path holding a
 * {@code meta.json}), else a run id or unique id prefix in the store the config names (when a
 * config is known), then in {@code --runs-dir}.
 */
public final class TrackerFactory {
  /** The environment variable MLflow's own clients read; used when the config gives no URI. */
  public static final String ENV_URI = "MLFLOW_TRACKING_URI";

  private final Path runsDir;

  /**
   * @param runsDir the local run store's folder ({@code --runs-dir})
   */
  @Inject
  public TrackerFactory(@Named("runsDir") Path runsDir) {
    this.runsDir = runsDir;
  }

  /** The tracker for an experiment's {@code tracking} block: where its new runs go. */
  public Tracker create(TrackingConfig tracking) {
    return create(tracking, storeFor(tracking));
  }

  /**
   * The tracker for runs of {@code store} (e.g. the store a run was found in), mirrored to the
   * MLflow server the {@code tracking} block (or {@link #ENV_URI}) names, if any.
   */
  public Tracker create(TrackingConfig tracking, LocalRunStore store) {
    TrackingUri uri = effectiveUri(tracking);
    return uri != null && uri.isMlflow() ? new MlflowTracker(store, uri.mlflowUrl()) : store;
  }

  /**
   * The local store an experiment writes: the {@code tracking.uri} folder, else {@code --runs-dir}.
   *
   * @throws ConfigException when {@link #ENV_URI} is set to something the rule rejects
   */
  public LocalRunStore storeFor(TrackingConfig tracking) {
    TrackingUri uri = effectiveUri(tracking);
    return uri != null && !uri.isMlflow() ? new LocalRunStore(uri.folder()) : localStore();
  }

  /**
   * The MLflow tracker for {@code flowlab sync}.
   *
   * @throws ConfigException unless {@code uri} is an {@code http(s)://} server
   */
  public Tracker mlflow(String uri, String where) {
    TrackingUri parsed;
    try {
      parsed = TrackingUri.parse(uri);
    } catch (InvalidValueException e) {
      throw new ConfigException(where, "", e.problem());
    }
    if (!parsed.isMlflow()) {
      throw new ConfigException(where, "", "'" + uri + "' is a folder, not an MLflow server");
    }
    return new MlflowTracker(localStore(), parsed.mlflowUrl());
  }

  /** The local run store of {@code --runs-dir}. */
  public LocalRunStore localStore() {
    return new LocalRunStore(runsDir);
  }

  /**
   * A run found by {@link #locate}.
   *
   * @param store the store that holds it
   * @param id its full id
   */
  public record FoundRun(LocalRunStore store, String id) {
    /** The run's folder. */
    public Path dir() {
      return store.runDir(id);
    }
  }

  /**
   * Finds a run given on the command line: a run's folder, or an id or unique prefix in {@code
   * tracking}'s store (when given) and then in {@code --runs-dir}.
   *
   * @param where what asks, for messages, e.g. {@code export 2026}
   * @param run the argument as given
   * @param tracking the tracking block of a config in hand, or null
   * @throws ConfigException when no run or more than one matches (exit code 2)
   */
  public FoundRun locate(String where, String run, TrackingConfig tracking) throws IOException {
    if (run == null || run.isBlank()) {
      throw new ConfigException(where, "", "give a run id");
    }
    Optional<Path> folder = runFolder(run);
    if (folder.isPresent()) {
      Path dir = folder.get().toAbsolutePath().normalize();
      return new FoundRun(new LocalRunStore(dir.getParent()), dir.getFileName().toString());
    }
    Set<Path> roots = new LinkedHashSet<>();
    if (tracking != null) {
      roots.add(storeFor(tracking).root());
    }
    roots.add(runsDir);
    List<String> searched = new ArrayList<>();
    for (Path root : roots) {
      LocalRunStore store = new LocalRunStore(root);
      Optional<String> id;
      try {
        id = store.resolveId(run);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(where, "", e.getMessage());
      }
      if (id.isPresent()) {
        return new FoundRun(store, id.get());
      }
      searched.add(root.toString());
    }
    throw new ConfigException(
        where,
        "",
        "no such run in "
            + String.join(" or ", searched)
            + " (for a run stored elsewhere give its folder, or --runs-dir DIR)");
  }

  private static Optional<Path> runFolder(String run) {
    try {
      Path path = Path.of(run);
      return Files.isRegularFile(path.resolve(LocalRunStore.META))
          ? Optional.of(path)
          : Optional.empty();
    } catch (InvalidPathException e) {
      return Optional.empty();
    }
  }

  private static TrackingUri effectiveUri(TrackingConfig tracking) {
    if (tracking != null && tracking.uri() != null) {
      return tracking.location();
    }
    String env = System.getenv(ENV_URI);
    if (env == null || env.isBlank()) {
      return null;
    }
    try {
      return TrackingUri.parse(env);
    } catch (InvalidValueException e) {
      throw new ConfigException("environment variable " + ENV_URI, "", e.problem());
    }
  }
}
