package org.flowlab.core.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.flowlab.core.config.ConfigException;
import org.flowlab.core.config.ConfigLoader;
import org.flowlab.core.config.ExperimentConfig;
import org.flowlab.core.config.LoadedConfig;
import org.flowlab.core.experiment.ExperimentRunner;
import org.flowlab.core.experiment.TrackerFactory;
import org.flowlab.core.export.RunExporter;
import org.flowlab.core.tracking.LocalRunStore;
import org.flowlab.registry.ModelCard;
import org.flowlab.registry.ModelStore;
import org.flowlab.registry.OnnxSession;
import org.flowlab.registry.Parity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code flowlab run <yaml> [key=value ...] [--resume RUN]}. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = "Train, evaluate and track one experiment.")
final class RunCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Parameters(
      paramLabel = "ARGS",
      description =
          "The experiment YAML, then dotted overrides such as training.optimizer.lr=3e-4 "
              + "(with --resume the YAML may be left out: the run's own resolved config is used).")
  List<String> args = new ArrayList<>();

  @Option(
      names = "--resume",
      paramLabel = "RUN",
      description =
          "Continue an interrupted run (id or unique id prefix) from its last checkpoint.")
  String resume;

  @Override
  public Integer call() throws Exception {
    StopSignals.install();
    List<String> overrides = new ArrayList<>(args);
    Path yaml = null;
    if (!overrides.isEmpty() && !overrides.get(0).contains("=")) {
      yaml = Path.of(overrides.remove(0));
    }
    if (yaml == null) {
      if (resume == null) {
        throw new ConfigException("flowlab run", "", "give an experiment YAML (or --resume RUN)");
      }
      var store = main.injector().getInstance(TrackerFactory.class).localStore();
      String runId = resolveRun(store, resume);
      yaml = store.runDir(runId).resolve("config.yaml");
      if (!Files.exists(yaml)) {
        throw new ConfigException(
            "--resume " + resume, "", "the run has no config.yaml to resume from");
      }
    }
    LoadedConfig loaded = ConfigLoader.load(yaml, overrides);
    ExperimentRunner.Outcome outcome =
        main.injector().getInstance(ExperimentRunner.class).run(loaded, resume, System.out);
    ExperimentConfig.ExportConfig export = loaded.config().export();
    if (export == null) {
      return 0;
    }
    ModelStore store =
        new ModelStore(
            export.modelsDir() != null ? Path.of(export.modelsDir()) : ModelStore.defaultRoot());
    try {
      ModelCard card =
          main.injector()
              .getInstance(RunExporter.class)
              .export(
                  outcome.runId(),
                  export.name(),
                  store,
                  OnnxSession.Provider.fromEnvironment(),
                  System.out);
      System.out.printf(
          "registered %s:%d in %s%n",
          card.name(), card.version(), store.versionDir(card.name(), card.version()));
      return 0;
    } catch (Parity.Failure e) {
      System.err.println("error: export: " + e.getMessage());
      return 1;
    }
  }

  /**
   * The full id of a run given by id or unique prefix; a bad or ambiguous one is bad input (exit
   * 2).
   */
  static String resolveRun(LocalRunStore store, String idOrPrefix) throws java.io.IOException {
    try {
      return store
          .resolveId(idOrPrefix)
          .orElseThrow(
              () ->
                  new ConfigException(
                      "--resume " + idOrPrefix, "", "no such run in " + store.root()));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("--resume " + idOrPrefix, "", e.getMessage());
    }
  }
}
