package org.flowlab.core.cli;

import java.util.Locale;
import java.util.concurrent.Callable;
import org.flowlab.registry.ModelCard;
import org.flowlab.registry.ModelStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code flowlab models}: the registered models, one line per version. */
@Command(
    name = "models",
    mixinStandardHelpOptions = true,
    description =
        "List the registered models: name:version, family, shapes, parity (|Δ log q| of the"
            + " samples for a sampling-only model's sampler), source run.")
final class ModelsCommand implements Callable<Integer> {
  @Mixin RegistryOptions registry;

  @Override
  public Integer call() throws Exception {
    ModelStore store = registry.store();
    if (store.names().isEmpty()) {
      System.out.println("no models in " + store.root());
      return 0;
    }
    System.out.printf(
        Locale.ROOT,
        "%-24s %-10s %-10s %-10s %-12s %-12s %-20s %s%n",
        "MODEL",
        "FAMILY",
        "EVENT",
        "LATENT",
        "|Δ log p/q|",
        "|Δ x|",
        "CREATED",
        "RUN");
    for (String name : store.names()) {
      for (int v : store.versions(name)) {
        ModelCard c;
        try {
          c = store.card(name, v);
        } catch (java.io.IOException e) {
          System.err.println("warning: skipped " + name + ":" + v + ": " + e.getMessage());
          continue;
        }
        System.out.printf(
            Locale.ROOT,
            "%-24s %-10s %-10s %-10s %-12s %-12.3g %-20s %s%n",
            name + ":" + v,
            c.family(),
            java.util.Arrays.toString(c.eventShape()),
            java.util.Arrays.toString(c.latentShape()),
            // a VAE's generator computes no density: no log p/q was compared
            c.has(ModelCard.GENERATOR)
                ? "-"
                : String.format(Locale.ROOT, "%.3g", c.parity().logProbMaxAbsError()),
            c.parity().sampleMaxAbsError(),
            c.createdAt(),
            c.sourceRun());
      }
    }
    return 0;
  }
}
