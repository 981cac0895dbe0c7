package org.flowlab.core.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.flowlab.api.onnx.runtime.OnnxSession;
import org.flowlab.core.config.ConfigException;
import org.flowlab.core.config.ConfigLoader;
import org.flowlab.core.config.ExperimentConfig;
import org.flowlab.core.config.LoadedConfig;
import org.flowlab.core.experiment.ExperimentRunner;
import org.flowlab.core.experiment.TrackerFactory;
import org.flowlab.core.export.RunExporter;
import org.flowlab.registry.ModelCard;
import org.flowlab.registry.ModelStore;
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
          "Continue an interrupted run (id or unique id prefix, in the config's tracking folder or"
              + " --runs-dir; or the run's folder) from its last checkpoint.")
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
      TrackerFactory.FoundRun found =
          main.injector()
              .getInstance(TrackerFactory.class)
              .locate("--resume " + resume, resume, null);
      yaml = found.dir().resolve("config.yaml");
      resume = found.dir().toString(); // the run found here, whatever its config's tracking.uri
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
                  outcome.runDir().toString(),
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
}
