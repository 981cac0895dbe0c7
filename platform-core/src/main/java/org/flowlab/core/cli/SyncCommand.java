package org.flowlab.core.cli;

import java.util.concurrent.Callable;
import org.flowlab.core.config.ConfigException;
import org.flowlab.core.experiment.TrackerFactory;
import org.flowlab.core.tracking.Tracker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code flowlab sync}: sends run records that are still pending to the MLflow server. */
@Command(
    name = "sync",
    mixinStandardHelpOptions = true,
    description = "Send run records spooled while the MLflow server was unreachable.")
final class SyncCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Option(names = "--uri", description = "MLflow tracking URI (default: $MLFLOW_TRACKING_URI).")
  String uri;

  @Override
  public Integer call() throws Exception {
    String target = uri != null ? uri : System.getenv(TrackerFactory.ENV_URI);
    if (target == null || target.isBlank()) {
      throw new ConfigException(
          "flowlab sync", "", "give --uri http://HOST:PORT or set " + TrackerFactory.ENV_URI);
    }
    String where = uri != null ? "--uri" : "environment variable " + TrackerFactory.ENV_URI;
    try (Tracker tracker =
        main.injector().getInstance(TrackerFactory.class).mlflow(target, where)) {
      System.out.println(tracker.sync());
    }
    return 0;
  }
}
