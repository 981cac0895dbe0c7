package org.flowlab.core.plugins;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.flowlab.api.onnx.runtime.OnnxSession;
import org.flowlab.core.config.ConfigLoader;
import org.flowlab.core.experiment.ExperimentRunner;
import org.flowlab.core.experiment.TrackerFactory;
import org.flowlab.core.export.RunExporter;
import org.flowlab.core.export.RunFlows;
import org.flowlab.registry.ModelCard;
import org.flowlab.registry.ModelStore;

/**
 * A tiny experiment trained and then exported in this JVM through a family from a plugin jar built
 * on the fly: {@link ExperimentRunner}, then {@link RunExporter} checked in ONNX Runtime on the
 * CPU. What the host's export tests share; closing it stops the plugin host.
 *
 * @param host the plugin host, running until {@link #close}
 * @param trackers the run store under {@code tmp/runs}
 * @param store the model store under {@code tmp/models}
 * @param runId the trained run
 * @param card the published card
 * @param printed what the export printed
 */
record PluginExport(
    PluginHost host,
    TrackerFactory trackers,
    ModelStore store,
    String runId,
    ModelCard card,
    String printed)
    implements AutoCloseable {

  /**
   * Writes the plugin {@code pluginId} with one family class, runs {@code yaml} and exports the run
   * as {@code modelName} (null: the experiment's name).
   */
  static PluginExport trainAndExport(
      Path tmp,
      String pluginId,
      String familyClass,
      String familySource,
      String yaml,
      String modelName)
      throws Exception {
    Path plugins = Files.createDirectories(tmp.resolve("plugins"));
    PluginJars.plugin(pluginId).source(familyClass, familySource).writeJar(plugins);
    Path config = Files.writeString(tmp.resolve("experiment.yaml"), yaml);
    PluginHost host = PluginHost.start(plugins, false, PluginHostTest.hostInjector());
    try {
      TrackerFactory trackers = new TrackerFactory(tmp.resolve("runs"));
      PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
      ExperimentRunner.Outcome run =
          new ExperimentRunner(host, trackers).run(ConfigLoader.load(config), (String) null, quiet);
      ModelStore store = new ModelStore(tmp.resolve("models"));
      ByteArrayOutputStream printed = new ByteArrayOutputStream();
      ModelCard card =
          new RunExporter(host, trackers)
              .export(
                  run.runId(),
                  modelName,
                  store,
                  OnnxSession.Provider.CPU,
                  new PrintStream(printed, true, StandardCharsets.UTF_8));
      return new PluginExport(
          host, trackers, store, run.runId(), card, printed.toString(StandardCharsets.UTF_8));
    } catch (Exception | Error e) {
      host.close();
      throw e;
    }
  }

  /** The run as {@code export} reads it: its flow or VAE rebuilt through the plugin. */
  RunFlows.Source source() throws IOException {
    return new RunFlows(host, trackers).source("test", runId);
  }

  @Override
  public void close() {
    host.close();
  }
}
