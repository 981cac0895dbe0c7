package org.flowlab.core.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.flowlab.core.config.ConfigException;
import org.flowlab.registry.ArrayFiles;
import org.flowlab.registry.ModelStore;
import org.flowlab.registry.RegisteredFlow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code flowlab sample <name[:version]> -n N --out file.npy}: ONNX Runtime only. */
@Command(
    name = "sample",
    mixinStandardHelpOptions = true,
    description =
        "Draw samples from a registered model through ONNX Runtime (no training code) into a"
            + " float32 .npy file of shape (N, event...).")
final class SampleCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "MODEL", description = "NAME or NAME:VERSION.")
  String model;

  @Option(names = "-n", required = true, paramLabel = "N", description = "Number of samples.")
  int count;

  @Option(names = "--out", required = true, paramLabel = "FILE", description = "Output .npy file.")
  Path out;

  @Option(
      names = "--temperature",
      defaultValue = "1.0",
      paramLabel = "T",
      description = "Scales the latent spread (default ${DEFAULT-VALUE}).")
  double temperature;

  @Option(
      names = "--seed",
      defaultValue = "0",
      paramLabel = "S",
      description = "Seed of the latent draws (default ${DEFAULT-VALUE}).")
  long seed;

  @Mixin RegistryOptions registry;

  @Override
  public Integer call() throws Exception {
    if (count < 1) {
      throw new ConfigException("-n", "", "must be >= 1, got " + count);
    }
    if (!(temperature >= 0) || Double.isInfinite(temperature)) {
      throw new ConfigException("--temperature", "", "must be >= 0, got " + temperature);
    }
    ModelStore.Registered found = resolve(registry.store(), model);
    try (RegisteredFlow flow = RegisteredFlow.open(found, registry.provider())) {
      float[] x = flow.sample(count, temperature, seed);
      long[] event = found.card().eventShape();
      long[] shape = new long[event.length + 1];
      shape[0] = count;
      System.arraycopy(event, 0, shape, 1, event.length);
      ArrayFiles.writeNpy(out, x, shape);
      System.out.printf(
          "wrote %d samples of %s:%d (T=%s, seed %d) to %s%n",
          count, found.name(), found.version(), temperature, seed, out);
      System.out.println(
          "execution provider: " + flow.provider() + " (" + flow.providerNote() + ")");
    }
    return 0;
  }

  /** A model by reference; an unknown one is bad input. */
  static ModelStore.Registered resolve(ModelStore store, String reference)
      throws java.io.IOException {
    try {
      return store.resolve(reference);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(reference, "", e.getMessage());
    }
  }
}
