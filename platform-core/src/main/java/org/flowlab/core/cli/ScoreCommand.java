package org.flowlab.core.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.flowlab.core.config.ConfigException;
import org.flowlab.registry.ArrayFiles;
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
            + " log p(x) in nats, then the mean.")
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

  @Mixin RegistryOptions registry;

  @Override
  public Integer call() throws Exception {
    if (out != null) {
      RegistryOptions.checkOut(out);
    }
    ModelStore.Registered found = SampleCommand.resolve(registry.store(), model);
    if (!Files.isRegularFile(data)) {
      throw new ConfigException(data.toString(), "", "no such file");
    }
    ArrayFiles.FloatArray array;
    try {
      array = ArrayFiles.read(data);
    } catch (IllegalArgumentException e) {
      // The message starts with the file (and line, for CSV): keep that as the location.
      String message = e.getMessage();
      int end =
          message.startsWith(data + ":") ? message.indexOf(": ", data.toString().length()) : -1;
      throw end < 0
          ? new ConfigException(data.toString(), "", message)
          : new ConfigException(message.substring(0, end), "", message.substring(end + 2));
    }
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
    for (int i = 0; i < array.values().length; i++) {
      if (!Float.isFinite(array.values()[i])) {
        throw new ConfigException(
            data.toString(),
            "",
            "row "
                + (i / eventSize)
                + " (from 0) holds "
                + array.values()[i]
                + ", not a finite number");
      }
    }
    try (RegisteredFlow flow = RegisteredFlow.open(found, registry.provider())) {
      float[] logp = flow.score(array.values(), array.rows());
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
