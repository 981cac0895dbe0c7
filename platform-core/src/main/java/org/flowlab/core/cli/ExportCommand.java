package org.flowlab.core.cli;

import java.util.concurrent.Callable;
import org.flowlab.api.onnx.OnnxExportException;
import org.flowlab.core.config.ConfigException;
import org.flowlab.core.export.RunExporter;
import org.flowlab.registry.ModelCard;
import org.flowlab.registry.ModelStore;
import org.flowlab.registry.Parity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code flowlab export <run> [--name N]}. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
      "Export a run's best checkpoint to ONNX (log_prob: x -> log p(x); sample: z, temperature ->"
          + " x), check ONNX Runtime against the JVM model on held-out data, and register it as"
          + " the next version of NAME. A sampling-only family (planar, radial, sylvester) exports"
          + " its sampler instead (z -> x, log q(x)), checked on seeded latents.",
      "Exit code 1 when the parity check fails (nothing is registered)."
    })
final class ExportCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Parameters(
      index = "0",
      paramLabel = "RUN",
      description = "Run id or unique id prefix (in --runs-dir), or the run's folder.")
  String runId;

  @Option(
      names = "--name",
      paramLabel = "N",
      description = "Model name (default: the experiment's name).")
  String name;

  @Mixin RegistryOptions registry;

  @Override
  public Integer call() throws Exception {
    if (name != null) {
      try {
        ModelStore.checkName(name);
      } catch (IllegalArgumentException e) {
        throw new ConfigException("--name " + name, "", e.getMessage());
      }
    }
    ModelCard card;
    try {
      card =
          main.injector()
              .getInstance(RunExporter.class)
              .export(runId, name, registry.store(), registry.provider(), System.out);
    } catch (Parity.Failure | OnnxExportException e) {
      System.err.println("error: " + e.getMessage());
      return 1;
    } catch (IllegalArgumentException e) {
      throw new ConfigException("export " + runId, "", e.getMessage());
    }
    System.out.printf(
        "registered %s:%d (%s, opset %d) in %s%n",
        card.name(),
        card.version(),
        card.family(),
        card.opset(),
        registry.store().versionDir(card.name(), card.version()));
    return 0;
  }
}
