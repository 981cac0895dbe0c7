package org.flowlab.core.export;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.flowlab.api.flow.Flow;
import org.flowlab.core.config.ConfigException;
import org.flowlab.core.config.ConfigLoader;
import org.flowlab.core.config.LoadedConfig;
import org.flowlab.core.experiment.ResolvedModel;
import org.flowlab.core.experiment.TrackerFactory;
import org.flowlab.core.plugins.PluginHost;
import org.flowlab.core.train.Checkpoint;
import org.flowlab.core.train.Trainer;
import org.flowlab.core.vae.VaeModel;

/**
 * A run's JVM flow rebuilt from its resolved {@code config.yaml} through the family plugin, with
 * its best checkpoint restored: what {@code export} publishes and {@code bench-export} measures
 * against ONNX Runtime.
 */
public final class RunFlows {
  private final PluginHost plugins;
  private final TrackerFactory trackers;

  /** Wired by Guice. */
  @Inject
  public RunFlows(PluginHost plugins, TrackerFactory trackers) {
    this.plugins = plugins;
    this.trackers = trackers;
  }

  /**
   * A run's resolved config, its model resolved through the plugins, and its best checkpoint.
   *
   * @param runId the full run id
   * @param runDir the run's folder
   * @param loaded the run's resolved {@code config.yaml}
   * @param model the family and its typed parameters (a VAE's: its posterior flow's; null for a
   *     plain VAE)
   * @param best the best checkpoint
   */
  public record Source(
      String runId, Path runDir, LoadedConfig loaded, ResolvedModel model, Path best) {
    /** The run's flow for data of {@code eventShape} on {@code manager}, best weights restored. */
    public Flow restore(Shape eventShape, NDManager manager) throws IOException {
      Flow flow = model.build(eventShape, manager, loaded.config().seed());
      Trainer.restore(flow, Checkpoint.read(best, manager).params());
      return flow;
    }

    /**
     * The run's VAE (a {@code model.kind: vae} run) for data points of {@code dataDim} values on
     * {@code manager}, best weights restored: encoder, posterior flow and decoder.
     */
    public VaeModel restoreVae(int dataDim, NDManager manager) throws IOException {
      VaeModel vae =
          VaeModel.build(
              loaded.config().model().vae(),
              model == null ? null : model::buildInto,
              dataDim,
              manager,
              loaded.config().seed());
      Trainer.restore(vae.trainingView(), Checkpoint.read(best, manager).params());
      return vae;
    }
  }

  /**
   * Reads a run, given as {@link TrackerFactory#locate} takes it (its folder, or an id or prefix).
   *
   * @param command what asks, for the error message (e.g. {@code export})
   * @throws ConfigException when there is no such run, or it has no config or best checkpoint (exit
   *     code 2)
   */
  public Source source(String command, String run) throws IOException {
    TrackerFactory.FoundRun found = trackers.locate(command + " " + run, run, null);
    String runId = found.id();
    Path runDir = found.dir();
    Path configFile = runDir.resolve("config.yaml");
    Path best = runDir.resolve("checkpoints").resolve("best.ckpt");
    for (Path required : List.of(configFile, best)) {
      if (!Files.exists(required)) {
        throw new ConfigException(
            command + " " + runId, "", "the run has no " + runDir.relativize(required));
      }
    }
    LoadedConfig loaded = ConfigLoader.load(configFile);
    var config = loaded.config().model();
    // a plain VAE has no flow family; a flow VAE's family is its posterior flow
    boolean plainVae = config.variationalAutoencoder() && config.family() == null;
    return new Source(
        runId, runDir, loaded, plainVae ? null : ResolvedModel.resolve(loaded, plugins), best);
  }
}
