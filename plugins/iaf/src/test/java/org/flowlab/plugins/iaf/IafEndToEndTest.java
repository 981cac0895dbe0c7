package org.flowlab.plugins.iaf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.flowlab.core.cli.CliProcess;
import org.flowlab.core.data.TestFiles;
import org.flowlab.core.tracking.LocalRunStore;
import org.flowlab.core.tracking.RunSummary;
import org.flowlab.registry.ArrayFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The IAF plugin driven through the real CLI in a child JVM, loaded by the plugin host from the
 * source tree (development mode): a short run on a toy density trains, evaluates and records its
 * metrics, then exports (parity checked by the export), samples and scores through ONNX Runtime; a
 * short run on tiny images (written by the test) reports bits/dim and sample grids.
 */
class IafEndToEndTest {
  private static final String TINY =
      """
      name: tiny-iaf
      seed: 5
      data: {name: 8gaussians, train_size: 2000, val_size: 500, test_size: 1000}
      model:
        family: iaf
        params: {layers: 3, hidden: [16, 16], order: random, actnorm: true, gated: true}
      training:
        device: cpu
        batch_size: 128
        steps: 60
        optimizer: {lr: 3.0e-3}
        checkpoint_every: 30
        validate_every: 30
        log_every: 5
      evaluation: {samples: 500, grid_size: 40}
      """;

  private static final String IMAGES =
      """
      name: tiny-iaf-images
      seed: 3
      data: {name: mnist, path: %s, n_bits: 5, logit_alpha: 0.05}
      model:
        family: iaf
        params: {layers: 2, hidden: [16]}
      training: {device: cpu, batch_size: 8, steps: 6, validate_every: 3, checkpoint_every: 3, log_every: 1}
      evaluation: {sample_grid: 3, temperatures: [0.0, 1.0]}
      """;

  @TempDir Path tmp;

  @Test
  void runTrainsEvaluatesExportsSamplesAndScores() throws Exception {
    Path runs = tmp.resolve("runs");
    Path config = Files.writeString(tmp.resolve("tiny.yaml"), TINY);
    CliProcess cli = CliProcess.dev(runs);
    CliProcess.Result r = cli.run(tmp.resolve("log"), "run", config.toString());
    assertEquals(0, r.exitCode(), r.stderr());
    LocalRunStore store = new LocalRunStore(runs);
    RunSummary run = store.listRuns().get(0);
    assertEquals("FINISHED", run.status().toString());
    assertEquals("iaf", run.tags().get("flowlab.family"));
    assertEquals("0.1.0", run.tags().get("flowlab.plugin.iaf"));
    assertEquals("random", run.params().get("model.params.order"));
    for (String metric : List.of("test/nll", "test/nll_minus_entropy")) {
      double value = run.latestMetrics().get(metric);
      assertTrue(Double.isFinite(value), metric + " = " + value);
    }
    List<Double> losses =
        store.metricHistory(run.id(), "train/loss").stream().map(p -> p.value()).toList();
    assertEquals(12, losses.size(), "every 5 of 60 steps");
    assertTrue(losses.get(losses.size() - 1) < losses.get(0), losses.toString());
    assertTrue(run.latestMetrics().get("test/inverse_error") < 1e-4, "d-pass density");
    assertEquals("true", run.params().get("model.params.gated"));

    Path models = tmp.resolve("models");
    String m = models.toString();
    CliProcess.Result exported =
        cli.run(tmp.resolve("log-export"), "export", run.id(), "--name", "m", "--models-dir", m);
    assertEquals(0, exported.exitCode(), exported.stdout() + exported.stderr());
    assertTrue(exported.stdout().contains("registered m:1"), exported.stdout());
    Path samples = tmp.resolve("samples.npy");
    CliProcess.Result sampled =
        cli.run(
            tmp.resolve("log-sample"),
            "sample",
            "m",
            "-n",
            "50",
            "--out",
            samples.toString(),
            "--models-dir",
            m);
    assertEquals(0, sampled.exitCode(), sampled.stdout() + sampled.stderr());
    assertArrayEquals(new long[] {50, 2}, ArrayFiles.readNpy(samples).shape());
    CliProcess.Result scored =
        cli.run(tmp.resolve("log-score"), "score", "m", samples.toString(), "--models-dir", m);
    assertEquals(0, scored.exitCode(), scored.stdout() + scored.stderr());
    float first = Float.parseFloat(scored.stdout().split("\n")[0].trim());
    assertTrue(Float.isFinite(first), scored.stdout());
  }

  @Test
  void imagesAreFlattenedAndGiveBitsPerDimAndSampleGrids() throws Exception {
    Path data = Files.createDirectories(tmp.resolve("data"));
    TestFiles.idx(data.resolve("train-images-idx3-ubyte"), 60, 4, 4);
    TestFiles.idx(data.resolve("t10k-images-idx3-ubyte"), 20, 4, 4);
    Path config = Files.writeString(tmp.resolve("images.yaml"), IMAGES.formatted(data));
    Path runs = tmp.resolve("runs");
    CliProcess.Result r = CliProcess.dev(runs).run(tmp.resolve("log"), "run", config.toString());
    assertEquals(0, r.exitCode(), r.stderr());
    RunSummary run = new LocalRunStore(runs).listRuns().get(0);
    double bpd = run.latestMetrics().get("test/bits_per_dim");
    assertTrue(Double.isFinite(bpd) && bpd > 0, "bits/dim " + bpd);
    double inverse = run.latestMetrics().get("test/inverse_error");
    assertTrue(inverse < 1e-4, "decode(encode(x)) on test images, error " + inverse);
    Path eval = new LocalRunStore(runs).runDir(run.id()).resolve("artifacts/evaluation");
    assertTrue(Files.size(eval.resolve("samples_T0.png")) > 0);
    assertTrue(Files.size(eval.resolve("samples_T1.png")) > 0);
  }
}
