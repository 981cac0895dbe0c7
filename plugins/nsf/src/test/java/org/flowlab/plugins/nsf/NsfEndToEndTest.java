package org.flowlab.plugins.nsf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.flowlab.core.cli.CliProcess;
import org.flowlab.core.data.TestFiles;
import org.flowlab.core.tracking.LocalRunStore;
import org.flowlab.core.tracking.RunSummary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The nsf plugin driven through the real CLI in child JVMs, loaded by the plugin host from the
 * source tree (development mode): short runs of both variants on a toy density train, evaluate,
 * record their metrics and export (ONNX parity in the model card), and {@code sample} and {@code
 * score} work on the export; a short run on tiny images (written by the test) reports bits/dim.
 */
class NsfEndToEndTest {
  private static final String TINY =
      """
      name: tiny-nsf-%1$s
      seed: 5
      data: {name: 8gaussians, train_size: 2000, val_size: 500, test_size: 1000}
      model:
        family: nsf
        params: {variant: %1$s, layers: 2, hidden: [16, 16], bins: 6, tail_bound: 4.0}
      training:
        device: cpu
        batch_size: 128
        steps: 60
        optimizer: {lr: 3.0e-3}
        schedule: {warmup_steps: 10}
        checkpoint_every: 30
        validate_every: 30
        log_every: 5
      evaluation: {samples: 300, grid_size: 30}
      """;

  private static final String IMAGES =
      """
      name: tiny-nsf-images
      seed: 3
      data: {name: mnist, path: %s, n_bits: 5}
      model:
        family: nsf
        params: {layers: 2, levels: 2, hidden_channels: 8, bins: 4, actnorm: true}
      training: {device: cpu, batch_size: 8, steps: 6, validate_every: 3, checkpoint_every: 3, log_every: 1}
      evaluation: {sample_grid: 3, temperatures: [0.0, 1.0]}
      """;

  @TempDir Path tmp;

  @Test
  void couplingRunTrainsExportsSamplesAndScores() throws Exception {
    trainExportSampleAndScore("coupling");
  }

  @Test
  void autoregressiveRunTrainsExportsSamplesAndScores() throws Exception {
    trainExportSampleAndScore("autoregressive");
  }

  private void trainExportSampleAndScore(String variant) throws Exception {
    Path runs = tmp.resolve("runs");
    Path config = Files.writeString(tmp.resolve("tiny.yaml"), TINY.formatted(variant));
    CliProcess cli = CliProcess.dev(runs);
    CliProcess.Result r = cli.run(tmp.resolve("log"), "run", config.toString());
    assertEquals(0, r.exitCode(), r.stderr());
    LocalRunStore store = new LocalRunStore(runs);
    RunSummary run = store.listRuns().get(0);
    assertEquals("FINISHED", run.status().toString());
    assertEquals("nsf", run.tags().get("flowlab.family"));
    assertEquals("0.1.0", run.tags().get("flowlab.plugin.nsf"));
    assertEquals(variant, run.params().get("model.params.variant"));
    assertEquals("6", run.params().get("model.params.bins"));
    for (String metric : List.of("test/nll", "test/nll_minus_entropy")) {
      double value = run.latestMetrics().get(metric);
      assertTrue(Double.isFinite(value), metric + " = " + value);
    }
    List<Double> losses =
        store.metricHistory(run.id(), "train/loss").stream().map(p -> p.value()).toList();
    assertTrue(losses.get(losses.size() - 1) < losses.get(0), losses.toString());
    assertTrue(Files.size(store.runDir(run.id()).resolve("artifacts/evaluation/density.png")) > 0);

    Path models = tmp.resolve("models");
    CliProcess.Result exported =
        cli.run(
            tmp.resolve("log-export"),
            "export",
            run.id(),
            "--name",
            "spline",
            "--models-dir",
            models.toString());
    assertEquals(0, exported.exitCode(), exported.stdout() + exported.stderr());
    JsonNode card =
        new ObjectMapper().readTree(models.resolve("spline/1/model-card.json").toFile());
    assertEquals("nsf", card.get("family").asText());
    double lpError = card.get("parity").get("log_prob_max_abs_error").asDouble();
    double xError = card.get("parity").get("sample_max_abs_error").asDouble();
    assertTrue(lpError >= 0 && lpError <= 1e-3, "log p parity " + lpError);
    assertTrue(xError >= 0 && xError <= 1e-4, "sample parity " + xError);

    Path samples = tmp.resolve("samples.npy");
    List<String> sample =
        new ArrayList<>(List.of("sample", "spline", "-n", "50", "--out", samples.toString()));
    sample.addAll(List.of("--seed", "4", "--models-dir", models.toString()));
    CliProcess.Result sampled = cli.run(tmp.resolve("log-sample"), sample.toArray(String[]::new));
    assertEquals(0, sampled.exitCode(), sampled.stdout() + sampled.stderr());
    CliProcess.Result scored =
        cli.run(
            tmp.resolve("log-score"),
            "score",
            "spline",
            samples.toString(),
            "--models-dir",
            models.toString());
    assertEquals(0, scored.exitCode(), scored.stdout() + scored.stderr());
    String[] lines = scored.stdout().split("\n");
    for (int i = 0; i < 50; i++) {
      double logP = Double.parseDouble(lines[i].trim());
      assertTrue(Double.isFinite(logP), "log p of sample " + i + " = " + logP);
    }
    assertTrue(scored.stdout().contains("mean log p: "), scored.stdout());
  }

  @Test
  void imagesGiveBitsPerDimAndSampleGrids() throws Exception {
    Path data = Files.createDirectories(tmp.resolve("data"));
    TestFiles.idx(data.resolve("train-images-idx3-ubyte"), 60, 4, 4);
    TestFiles.idx(data.resolve("t10k-images-idx3-ubyte"), 20, 4, 4);
    Path config = Files.writeString(tmp.resolve("images.yaml"), IMAGES.formatted(data));
    Path runs = tmp.resolve("runs");
    CliProcess.Result r = CliProcess.dev(runs).run(tmp.resolve("log"), "run", config.toString());
    assertEquals(0, r.exitCode(), r.stderr());
    LocalRunStore store = new LocalRunStore(runs);
    RunSummary run = store.listRuns().get(0);
    double bpd = run.latestMetrics().get("test/bits_per_dim");
    assertTrue(Double.isFinite(bpd) && bpd > 0, "bits/dim " + bpd);
    double inverse = run.latestMetrics().get("test/inverse_error");
    assertTrue(inverse < 1e-4, "decode(encode(x)) on test images, error " + inverse);
    Path eval = store.runDir(run.id()).resolve("artifacts/evaluation");
    assertTrue(Files.size(eval.resolve("samples_T0.png")) > 0);
    assertTrue(Files.size(eval.resolve("samples_T1.png")) > 0);
  }
}
