package org.flowlab.plugins.nsf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.flowlab.core.cli.CliProcess;
import org.flowlab.core.tracking.LocalRunStore;
import org.flowlab.core.tracking.RunSummary;
import org.flowlab.registry.ArrayFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A conditional nsf run through the real CLI: 8 Gaussians given the one-hot component of each point
 * train, evaluate against the true conditional density ({@code test/kl}), export with a {@code
 * context} input (parity in the card), and {@code sample}/{@code score} take a context file in ONNX
 * Runtime; a missing or misshapen context file exits 2 naming it.
 */
class NsfConditionalEndToEndTest {
  private static final String TINY =
      """
      name: tiny-nsf-conditional
      seed: 5
      data: {name: 8gaussians, condition: component, train_size: 4000, val_size: 500, test_size: 1000}
      model:
        family: nsf
        params: {layers: 2, hidden: [32, 32], bins: 6, tail_bound: 4.0}
      training:
        device: cpu
        batch_size: 128
        steps: 150
        optimizer: {lr: 5.0e-3}
        schedule: {warmup_steps: 10}
        checkpoint_every: 50
        validate_every: 50
      evaluation: {samples: 300, grid_size: 30}
      """;

  @TempDir Path tmp;

  @Test
  void conditionalRunTrainsExportsAndSamplesAndScoresGivenAContext() throws Exception {
    Path runs = tmp.resolve("runs");
    Path config = Files.writeString(tmp.resolve("tiny.yaml"), TINY);
    CliProcess cli = CliProcess.dev(runs);
    CliProcess.Result r = cli.run(tmp.resolve("log"), "run", config.toString());
    assertEquals(0, r.exitCode(), r.stderr());
    RunSummary run = new LocalRunStore(runs).listRuns().get(0);
    assertEquals("component", run.params().get("data.condition"));
    double nll = run.latestMetrics().get("test/nll");
    double kl = run.latestMetrics().get("test/kl");
    // The mixture's entropy is 2.83 nats; given the component, 0.76. A model far below the first
    // reads its context.
    assertTrue(nll < 2.0, "conditional test NLL " + nll);
    assertTrue(Double.isFinite(kl) && kl > -0.05, "test/kl " + kl);

    Path models = tmp.resolve("models");
    CliProcess.Result exported =
        cli.run(
            tmp.resolve("log-export"),
            "export",
            run.id(),
            "--name",
            "cond",
            "--models-dir",
            models.toString());
    assertEquals(0, exported.exitCode(), exported.stdout() + exported.stderr());
    JsonNode card = new ObjectMapper().readTree(models.resolve("cond/1/model-card.json").toFile());
    assertEquals(8, card.get("context_dim").asInt());
    assertTrue(card.get("parity").get("log_prob_max_abs_error").asDouble() <= 1e-3);
    assertTrue(card.get("parity").get("sample_max_abs_error").asDouble() <= 1e-4);

    // Component 2 is centred at (0, 2.83), component 6 at (0, −2.83): one broadcast row each.
    double up = meanY(cli, models, oneHot(2), "up");
    double down = meanY(cli, models, oneHot(6), "down");
    assertTrue(up > 1.5 && down < -1.5, "mean y given component 2: " + up + ", 6: " + down);

    Path x = tmp.resolve("x.npy");
    ArrayFiles.writeNpy(x, new float[] {0f, 2.83f, 0f, 2.83f}, 2, 2);
    Path contexts = tmp.resolve("c.npy");
    float[] c = new float[16];
    c[2] = 1f; // the point at component 2's centre, given component 2 ...
    c[8 + 6] = 1f; // ... and given component 6
    ArrayFiles.writeNpy(contexts, c, 2, 8);
    CliProcess.Result scored =
        cli.run(
            tmp.resolve("log-score"),
            "score",
            "cond",
            x.toString(),
            "--context",
            contexts.toString(),
            "--models-dir",
            models.toString());
    assertEquals(0, scored.exitCode(), scored.stdout() + scored.stderr());
    String[] lines = scored.stdout().split("\n");
    double right = Double.parseDouble(lines[0].trim());
    double wrong = Double.parseDouble(lines[1].trim());
    assertTrue(right > wrong + 5, "log p(centre | its component) " + right + " vs other " + wrong);

    CliProcess.Result missing =
        cli.run(
            tmp.resolve("log-missing"),
            "score",
            "cond",
            x.toString(),
            "--models-dir",
            models.toString());
    assertEquals(2, missing.exitCode(), missing.stderr());
    assertTrue(missing.stderr().contains("error: --context: cond:1 is conditional"));
    Path bad = Files.writeString(tmp.resolve("bad.csv"), "1,0,0\n");
    CliProcess.Result misshapen =
        cli.run(
            tmp.resolve("log-bad"),
            "sample",
            "cond",
            "-n",
            "4",
            "--out",
            tmp.resolve("s.npy").toString(),
            "--context",
            bad.toString(),
            "--models-dir",
            models.toString());
    assertEquals(2, misshapen.exitCode(), misshapen.stderr());
    assertTrue(
        misshapen.stderr().contains("error: " + bad + ": shape [1, 3] is not (4, 8)"),
        misshapen.stderr());
  }

  private static String oneHot(int k) {
    StringBuilder row = new StringBuilder();
    for (int j = 0; j < 8; j++) {
      row.append(j == 0 ? "" : ",").append(j == k ? "1" : "0");
    }
    return row.append('\n').toString();
  }

  /** The mean y of 200 samples drawn through ONNX Runtime given one broadcast context row. */
  private double meanY(CliProcess cli, Path models, String row, String name) throws Exception {
    Path context = Files.writeString(tmp.resolve(name + ".csv"), row);
    Path out = tmp.resolve(name + ".npy");
    CliProcess.Result sampled =
        cli.run(
            tmp.resolve("log-" + name),
            "sample",
            "cond",
            "-n",
            "200",
            "--out",
            out.toString(),
            "--context",
            context.toString(),
            "--models-dir",
            models.toString());
    assertEquals(0, sampled.exitCode(), sampled.stdout() + sampled.stderr());
    float[] xy = ArrayFiles.read(out).values();
    double sum = 0;
    for (int i = 0; i < 200; i++) {
      sum += xy[2 * i + 1];
    }
    return sum / 200;
  }
}
