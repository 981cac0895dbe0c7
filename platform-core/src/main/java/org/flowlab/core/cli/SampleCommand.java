package org.flowlab.core.cli;

import java.nio.file.Path;
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

/**
 * {@code flowlab sample <name[:version]> -n N --out file.npy [--log-q q.npy]}: ONNX Runtime only; a
 * sampling-only model's {@code sampler}, a VAE's {@code generator} (z ~ N(0, I)·T → the decoder's
 * Bernoulli means) or another model's {@code sample} (and {@code log_prob} for {@code --log-q}).
 */
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

  @Option(
      names = "--context",
      paramLabel = "FILE",
      description =
          "Conditional models: the context of each sample, .npy or .csv (N rows, or one row for"
              + " all); draws x ~ p(x | c).")
  Path context;

  @Option(
      names = "--log-q",
      paramLabel = "FILE",
      description =
          "Also write each sample's log-density under the model, log q(x), to this float32 .npy"
              + " file of shape (N): a sampling-only model's sampler gives it with the samples, a"
              + " model with log_prob scores them.")
  Path logQ;

  @Mixin RegistryOptions registry;

  @Override
  public Integer call() throws Exception {
    if (count < 1) {
      throw new ConfigException("-n", "", "must be >= 1, got " + count);
    }
    if (!(temperature >= 0) || Double.isInfinite(temperature)) {
      throw new ConfigException("--temperature", "", "must be >= 0, got " + temperature);
    }
    RegistryOptions.checkOut(out);
    if (logQ != null) {
      RegistryOptions.checkOut("--log-q", logQ);
    }
    ModelStore.Registered found = resolve(registry.store(), model);
    if (logQ != null && found.card().has(ModelCard.GENERATOR)) {
      System.err.println(
          "error: --log-q: "
              + found.name()
              + ":"
              + found.version()
              + " is a VAE's generator: it gives its decoder's Bernoulli means, with no density");
      return 1;
    }
    checkSize(count, found.card());
    float[] contexts = ContextFile.rows(context, found.card(), count);
    try (RegisteredFlow flow = RegisteredFlow.open(found, registry.provider())) {
      float[] z = flow.draws(count, seed);
      float[] x;
      if (logQ == null) {
        x = flow.decode(z, count, temperature, contexts);
      } else {
        RegisteredFlow.Draws draws = flow.sampleWithLogQ(z, count, temperature, contexts);
        x = draws.x();
        ArrayFiles.writeNpy(logQ, draws.logQ(), count);
        System.out.printf("wrote the %d samples' log q to %s%n", count, logQ);
      }
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

  /**
   * Refuses before any work a sample count whose arrays (latents, samples, the file's buffer)
   * cannot fit a Java array or this JVM's heap.
   */
  static void checkSize(long count, ModelCard card) {
    long perSample = (long) card.eventSize() + card.latentSize();
    long values = count * Math.max(card.eventSize(), card.latentSize());
    long bytes = count * perSample * Float.BYTES * 2; // ORT's output and our copy of it
    long heap = Runtime.getRuntime().maxMemory();
    if (values > Integer.MAX_VALUE - 8 || bytes > heap) {
      throw new ConfigException(
          "-n " + count,
          "",
          String.format(
              Locale.ROOT,
              "%d samples of shape %s need about %.1f GB, more than this JVM's %.1f GB (-Xmx);"
                  + " draw fewer (several files with different --seed)",
              count,
              java.util.Arrays.toString(card.eventShape()),
              bytes / 1e9,
              heap / 1e9));
    }
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
