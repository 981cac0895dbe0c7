package org.flowlab.core.cli;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.concurrent.Callable;
import org.flowlab.api.spi.FlowFamily;
import org.flowlab.core.config.LoadedConfig;
import org.flowlab.core.data.DatasetException;
import org.flowlab.core.data.Datasets;
import org.flowlab.core.experiment.ExperimentRunner;
import org.flowlab.core.experiment.ResolvedModel;
import org.flowlab.core.experiment.ResolvedTarget;
import org.flowlab.core.experiment.TrackerFactory;
import org.flowlab.core.plugins.PluginHost;
import org.flowlab.core.train.Devices;
import org.flowlab.core.vae.VaeModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code flowlab validate <yaml> [key=value ...]}: every check {@code run} makes before training.
 */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    description =
        "Check an experiment YAML (keys, types, ranges, family, params, dataset, tracking URI)"
            + " and build its flow on the CPU, without training.")
final class ValidateCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Mixin ExperimentArgs experiment;

  @Option(names = "--print", description = "Print the resolved config, defaults filled in.")
  boolean print;

  @Override
  public Integer call() {
    LoadedConfig loaded = experiment.load();
    if (loaded.config().model().variationalAutoencoder()) {
      return validateVae(loaded);
    }
    ResolvedModel model =
        ResolvedModel.resolve(loaded, main.injector().getInstance(PluginHost.class));
    FlowFamily<?> family = model.family();
    Shape eventShape;
    if (loaded.config().training().reverseKl()) {
      PluginHost plugins = main.injector().getInstance(PluginHost.class);
      eventShape = new Shape(ResolvedTarget.resolve(loaded, plugins).target().dim());
    } else {
      try {
        Datasets.check(loaded.config().data());
      } catch (DatasetException e) {
        throw loaded.invalidValue("data." + e.key(), e.getMessage());
      }
      eventShape = ExperimentRunner.loadData(loaded).eventShape();
    }
    // Build the flow once, on the CPU, for the data's shape: a family rejects params it cannot
    // build with only here (FamilyBuildException, located at model.params.<key>).
    try (NDManager manager = Devices.newRunManager(Devices.resolve("cpu"))) {
      model.build(eventShape, manager, loaded.config().seed());
    }
    return ok(loaded, "family " + family.name());
  }

  /**
   * A VAE: its posterior family and params, its binarised data (drawn and kept on first use), and
   * the whole model built once on the CPU.
   */
  private int validateVae(LoadedConfig loaded) {
    var config = loaded.config().model();
    ResolvedModel posterior =
        config.family() == null
            ? null
            : ResolvedModel.resolve(loaded, main.injector().getInstance(PluginHost.class));
    var data = ExperimentRunner.loadBinarized(loaded);
    try (NDManager manager = Devices.newRunManager(Devices.resolve("cpu"))) {
      VaeModel.build(
          config.vae(),
          posterior == null ? null : posterior::buildInto,
          data.dim(),
          manager,
          loaded.config().seed());
    }
    return ok(
        loaded,
        "vae, posterior " + (posterior == null ? "Gaussian" : "flow " + posterior.family().name()));
  }

  private int ok(LoadedConfig loaded, String what) {
    // The tracking URI from the environment is checked here too (the config's was checked on load).
    main.injector().getInstance(TrackerFactory.class).storeFor(loaded.config().tracking());
    if (print) {
      System.out.print(loaded.resolvedYaml());
    }
    System.out.println(
        "ok: "
            + experiment.yaml
            + " ("
            + what
            + ", config hash "
            + loaded.configHash().substring(0, 12)
            + ")");
    return 0;
  }
}
