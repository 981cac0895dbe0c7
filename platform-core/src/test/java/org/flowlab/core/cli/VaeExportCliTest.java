package org.flowlab.core.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.flowlab.api.nn.Scalars;
import org.flowlab.api.onnx.ExportTolerance;
import org.flowlab.core.data.TestFiles;
import org.flowlab.core.experiment.TrackerFactory;
import org.flowlab.core.export.RunFlows;
import org.flowlab.core.vae.VaeModel;
import org.flowlab.registry.ArrayFiles;
import org.flowlab.registry.ModelCard;
import org.flowlab.registry.ModelStore;
import org.flowlab.registry.Noise;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiny plain VAE on 8×8 images, trained a few steps through {@code flowlab run}, is published by
 * {@code flowlab export} as a {@code generator} graph that passes the parity check; {@code flowlab
 * sample} writes the decoder's Bernoulli means of z ~ N(0, I)·T, equal to the JVM decoder's on the
 * same z; MLflow reads the version's signature; {@code flowlab score} and {@code sample --log-q}
 * exit 1 with one line (a VAE has no exact density).
 */
class VaeExportCliTest {
  @TempDir Path tmp;

  @Test
  void exportedGeneratorSamplesTheJvmDecoderMeansAndDoesNotScore() throws Exception {
    Path data = TestFiles.mnist(tmp.resolve("data"), 100, 20, 8);
    Path yaml =
        Files.writeString(
            tmp.resolve("vae.yaml"),
            """
            name: tinyvae
            seed: 3
            data: {name: mnist, path: %s}
            model:
              kind: vae
              vae: {latent_dim: 3, hidden: [16, 8], iw_samples: 4, iw_images: 5}
            training: {device: cpu, batch_size: 10, steps: 6, validate_every: 3, checkpoint_every: 3}
            evaluation: {plots: false}
            """
                .formatted(data));
    Path plugins = Files.createDirectories(tmp.resolve("plugins")); // a plain VAE needs none
    Path runs = tmp.resolve("runs");
    Path models = tmp.resolve("models");
    String[] host = {"--plugins-dir", plugins.toString(), "--runs-dir", runs.toString()};

    Cli.Result trained = Cli.run(concat(host, "run", yaml.toString()));
    assertEquals(0, trained.code(), trained.err());
    Matcher id = Pattern.compile("(?m)^run (\\S+) ").matcher(trained.out());
    assertTrue(id.find(), trained.out());
    String runId = id.group(1);

    Cli.Result exported = Cli.run(concat(host, "export", runId, "--models-dir", models.toString()));
    assertEquals(0, exported.code(), exported.err());
    assertTrue(
        exported.out().contains("parity (ONNX Runtime CPU vs JVM, generator): max |Δ x|"),
        exported.out());
    ModelStore.Registered stored = new ModelStore(models).resolve("tinyvae");
    ModelCard card = stored.card();
    assertEquals(List.of(ModelCard.GENERATOR), List.copyOf(card.graphs().keySet()));
    assertTrue(card.graphs().get(ModelCard.GENERATOR).contains("Bernoulli means"));
    assertEquals("vae", card.family());
    assertArrayEquals(new long[] {1, 8, 8}, card.eventShape());
    assertArrayEquals(new long[] {3}, card.latentShape());
    assertTrue(card.parity().passed(), card.parity().toString());
    assertTrue(Files.isRegularFile(stored.generatorFile()));
    assertFalse(Files.exists(stored.logProbFile()), "no log_prob model");
    String mlmodel = Files.readString(stored.dir().resolve("MLmodel"));
    assertTrue(mlmodel.contains("data: " + ModelStore.GENERATOR_FILE), mlmodel);
    assertTrue(mlmodel.contains("\"name\": \"temperature\""), mlmodel);
    // MLflow itself reads the version folder: its signature, and the onnx flavour's model.
    String signature = CliRoundTrip.mlflowSignature(stored.dir());
    assertTrue(
        signature.contains("'z': Tensor('float32', (-1, 3))")
            && signature.contains("'temperature': Tensor('float32', ())")
            && signature.contains("'x': Tensor('float32', (-1, 1, 8, 8))"),
        signature);

    Cli.Result listed = Cli.run("models", "--models-dir", models.toString());
    assertTrue(
        listed
            .out()
            .lines()
            .anyMatch(l -> l.startsWith("tinyvae:1") && l.contains(" vae ") && l.contains(" - ")),
        "no log p error is listed for a generator: " + listed.out());

    int n = 16;
    long seed = 5;
    double temperature = 0.7;
    Path out = tmp.resolve("means.npy");
    Cli.Result sampled =
        Cli.run(
            "sample",
            "tinyvae",
            "-n",
            Integer.toString(n),
            "--seed",
            Long.toString(seed),
            "--temperature",
            Double.toString(temperature),
            "--out",
            out.toString(),
            "--models-dir",
            models.toString());
    assertEquals(0, sampled.code(), sampled.err());
    ArrayFiles.FloatArray means = ArrayFiles.read(out);
    assertArrayEquals(new long[] {n, 1, 8, 8}, means.shape());

    float[] z = Noise.draw("normal", Noise.stream(seed), n * 3);
    float[] jvm;
    try (NDManager m = NDManager.newBaseManager()) {
      VaeModel vae =
          new RunFlows(null, new TrackerFactory(runs)).source("test", runId).restoreVae(64, m);
      jvm = vae.means(Scalars.mul(m.create(z, new Shape(n, 3)), temperature)).toFloatArray();
    }
    double worst = 0;
    double lo = 1;
    double hi = 0;
    for (int i = 0; i < jvm.length; i++) {
      float v = means.values()[i];
      assertTrue(v >= 0 && v <= 1, "a Bernoulli mean: " + v);
      worst = Math.max(worst, Math.abs(v - jvm[i]));
      lo = Math.min(lo, jvm[i]);
      hi = Math.max(hi, jvm[i]);
    }
    assertTrue(hi - lo > 0.01, "the means vary: " + lo + " .. " + hi);
    assertTrue(worst <= ExportTolerance.sample(jvm), "max |Δ mean| " + worst);

    Cli.Result scored =
        Cli.run("score", "tinyvae", out.toString(), "--models-dir", models.toString());
    assertEquals(1, scored.code(), scored.err());
    List<String> lines = scored.err().lines().toList();
    assertEquals(1, lines.size(), scored.err());
    assertTrue(lines.get(0).contains("no log_prob model"), scored.err());

    Cli.Result logQ =
        Cli.run(
            "sample",
            "tinyvae",
            "-n",
            "2",
            "--out",
            tmp.resolve("x.npy").toString(),
            "--log-q",
            tmp.resolve("q.npy").toString(),
            "--models-dir",
            models.toString());
    assertEquals(1, logQ.code(), logQ.err());
    assertEquals(1, logQ.err().lines().count(), logQ.err());
    assertFalse(Files.exists(tmp.resolve("x.npy")), "nothing written");
  }

  private static String[] concat(String[] first, String... rest) {
    String[] all = new String[first.length + rest.length];
    System.arraycopy(first, 0, all, 0, first.length);
    System.arraycopy(rest, 0, all, first.length, rest.length);
    return all;
  }
}
