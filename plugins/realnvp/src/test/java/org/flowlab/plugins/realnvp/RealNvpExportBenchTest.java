package org.flowlab.plugins.realnvp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.flowlab.core.cli.CliProcess;
import org.flowlab.core.data.TestFiles;
import org.flowlab.core.tracking.LocalRunStore;
import org.flowlab.core.tracking.RunSummary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The RealNVP vector and image models through the real CLI in child JVMs: train a few steps, {@code
 * export} (the image export passes the ONNX Runtime parity check on dequantised, logit-preprocessed
 * 1×8×8 test images with two scales), then {@code bench-export} both: one table row per model and
 * batch size with positive, finite samples/s and log_prob/s for ONNX Runtime and the JVM model.
 */
class RealNvpExportBenchTest {
  private static final Path REPO = Path.of(System.getProperty("flowlab.repo.root", "../.."));

  private static final String VECTOR =
      """
      name: bench-vector
      seed: 5
      data: {name: 8gaussians, train_size: 500, val_size: 100, test_size: 200}
      model:
        family: realnvp
        params: {couplings: 4, hidden: [16, 16]}
      training: {device: cpu, batch_size: 64, steps: 10, checkpoint_every: 5, validate_every: 5}
      evaluation: {samples: 100, grid_size: 10, plots: false}
      """;

  private static final String IMAGE =
      """
      name: bench-image
      seed: 3
      data: {name: mnist, path: %s, n_bits: 5, logit_alpha: 0.05}
      model:
        family: realnvp
        params: {scales: 2, resnet_blocks: 1, resnet_channels: 8, normalization: actnorm}
      training: {device: cpu, batch_size: 8, steps: 6, checkpoint_every: 3, validate_every: 3}
      evaluation: {plots: false}
      """;

  @TempDir Path tmp;

  @Test
  void benchExportTimesOrtAndTheJvmModelForVectorAndImageModels() throws Exception {
    Path runs = tmp.resolve("runs");
    Path models = tmp.resolve("models");
    CliProcess cli =
        new CliProcess(
            List.of(
                "--dev",
                "--plugins-dir",
                REPO.resolve("plugins").toString(),
                "--runs-dir",
                runs.toString()));
    Path data = Files.createDirectories(tmp.resolve("data"));
    TestFiles.idx(data.resolve("train-images-idx3-ubyte"), 60, 8, 8);
    TestFiles.idx(data.resolve("t10k-images-idx3-ubyte"), 20, 8, 8);
    Path vector = Files.writeString(tmp.resolve("vector.yaml"), VECTOR);
    Path image = Files.writeString(tmp.resolve("image.yaml"), IMAGE.formatted(data));

    ok(cli.run(tmp.resolve("log-vector"), "run", vector.toString()));
    ok(cli.run(tmp.resolve("log-image"), "run", image.toString()));
    for (RunSummary run : new LocalRunStore(runs).listRuns()) {
      String name = run.experiment().equals("bench-image") ? "digits" : "gauss8";
      String exported =
          ok(
              cli.run(
                  tmp.resolve("log-export-" + name),
                  "export",
                  run.id(),
                  "--name",
                  name,
                  "--models-dir",
                  models.toString(),
                  "--provider",
                  "cpu"));
      assertTrue(exported.contains("registered " + name + ":1"), exported);
      System.out.print(exported.lines().filter(l -> l.startsWith("parity")).findFirst().orElse(""));
      System.out.println(" (" + name + ")");
    }
    JsonNode card =
        new ObjectMapper().readTree(models.resolve("digits/1/model-card.json").toFile());
    assertEquals("[1,8,8]", card.get("event_shape").toString());
    assertEquals("logit(alpha=0.05)", card.get("preprocessing").get(1).asText());

    String out =
        ok(
            cli.run(
                tmp.resolve("log-bench"),
                "bench-export",
                "gauss8",
                "digits:1",
                "--seconds",
                "0.2",
                "--warmup",
                "1",
                "--ort-threads",
                "1",
                "--models-dir",
                models.toString()));
    System.out.print(out);
    assertTrue(out.contains("execution provider CPU"), out);
    assertTrue(out.contains("(CPU requested), 1 intra-op threads"), out);
    List<String> rows = new ArrayList<>();
    for (String line : out.lines().toList()) {
      if (line.startsWith("gauss8:1 ") || line.startsWith("digits:1 ")) {
        rows.add(line);
      }
    }
    assertEquals(4, rows.size(), "2 models × batches 1 and 1024:\n" + out);
    List<String> seen = new ArrayList<>();
    for (String row : rows) {
      String[] f = row.trim().split("\\s+");
      // model, family, batch, ORT samples/s, JVM samples/s, speedup, ORT logp/s, JVM logp/s,
      // speedup
      assertEquals(9, f.length, row);
      assertEquals("realnvp", f[1], row);
      seen.add(f[0] + " " + f[2]);
      for (int i : new int[] {3, 4, 5, 6, 7, 8}) {
        double v = Double.parseDouble(f[i].replace("x", ""));
        assertTrue(v > 0 && Double.isFinite(v), "column " + i + " of " + row);
      }
    }
    assertEquals(List.of("gauss8:1 1", "gauss8:1 1024", "digits:1 1", "digits:1 1024"), seen);
    String gap =
        out.lines()
            .filter(l -> l.contains("max |Δ log p|"))
            .toList()
            .toString()
            .toLowerCase(Locale.ROOT);
    assertTrue(!gap.contains("above"), "ORT and the rebuilt JVM model agree: " + gap);
  }

  private static String ok(CliProcess.Result r) {
    assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
    return r.stdout();
  }
}
