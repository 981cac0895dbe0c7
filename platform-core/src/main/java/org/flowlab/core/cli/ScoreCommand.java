package org.flowlab.core.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.flowlab.core.config.ConfigException;
import org.flowlab.registry.ArrayFiles;
import org.flowlab.registry.ModelCard;
import org.flowlab.registry.ModelStore;
import org.flowlab.registry.RegisteredFlow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code flowlab score <name[:version]> <data.npy|csv>}: ONNX Runtime only. */
@Command(
    name = "score",
    mixinStandardHelpOptions = true,
    description =
        "Score data with a registered model through ONNX Runtime (no training code): per-sample"
            + " log p(x) in nats, then the mean. Exit code 1 for a sampling-only model (planar,"
            + " radial, sylvester) or a VAE's generator: it has no log_prob model.")
final class ScoreCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "MODEL", description = "NAME or NAME:VERSION.")
  String model;

  @Parameters(
      index = "1",
      paramLabel = "DATA",
      description = ".npy (float32/float64) or .csv, one point per row.")
  Path data;

  @Option(
      names = "--out",
      paramLabel = "FILE",
      description = "Write the per-sample log p to this .npy file instead of printing them.")
  Path out;

  @Option(
      names = "--context",
      paramLabel = "FILE",
      description =
          "Conditional models: the context of each point, .npy or .csv (one row per point, or one"
              + " row for all); the density scored is log p(x | c).")
  Path context;

  @Mixin RegistryOptions registry;

  @Override
  public Integer call() throws Exception {
    if (out != null) {
      RegistryOptions.checkOut(out);
    }
    ModelStore.Registered found = SampleCommand.resolve(registry.store(), model);
    if (found.card().has(ModelCard.GENERATOR)) {
      System.err.println(
          "error: "
              + found.name()
              + ":"
              + found.version()
              + " is a VAE's generator, with no log_prob model: a VAE's log p(x) is only estimated"
              + " (the IW-NLL of its run), not computed; flowlab sample draws its decoder's means");
      return 1;
    }
    if (!found.card().has(ModelCard.LOG_PROB)) {
      System.err.println(
          "error: "
              + found.name()
              + ":"
              + found.version()
              + " has no log_prob model: family '"
              + found.card().family()
              + "' offers the sampling direction only (no density of given data); flowlab sample"
              + " --log-q FILE gives its samples' log q");
      return 1;
    }
    ArrayFiles.FloatArray array = ContextFile.read(data);
    int eventSize = found.card().eventSize();
    if (array.shape().length == 0 || array.values().length != (long) array.rows() * eventSize) {
      throw new ConfigException(
          data.toString(),
          "",
          "shape "
              + Arrays.toString(array.shape())
              + " is not (N, "
              + Arrays.toString(found.card().eventShape())
              + ")");
    }
    if (array.rows() == 0) {
      throw new ConfigException(
          data.toString(), "", "holds no points (shape " + Arrays.toString(array.shape()) + ")");
    }
    ContextFile.requireFinite(data, array.values(), eventSize);
    float[] contexts = ContextFile.rows(context, found.card(), array.rows());
    try (RegisteredFlow flow = RegisteredFlow.open(found, registry.provider())) {
      float[] logp = flow.score(array.values(), array.rows(), contexts);
      double sum = 0;
      for (float v : logp) {
        sum += v;
      }
      if (out != null) {
        ArrayFiles.writeNpy(out, logp, logp.length);
        System.out.println("wrote " + logp.length + " log p values to " + out);
      } else {
        StringBuilder lines = new StringBuilder();
        for (float v : logp) {
          lines.append(String.format(Locale.ROOT, "%.6f%n", v));
        }
        System.out.print(lines);
      }
      System.out.printf(
          Locale.ROOT,
          "mean log p: %.6f nats over %d points (%s:%d)%n",
          sum / logp.length,
          logp.length,
          found.name(),
          found.version());
      System.out.println(
          "execution provider: " + flow.provider() + " (" + flow.providerNote() + ")");
    }
    return 0;
  }
}
