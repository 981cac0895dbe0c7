package org.flowlab.plugins.nice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.flowlab.core.cli.CliProcess;
import org.flowlab.core.data.TestFiles;
import org.flowlab.core.tracking.LocalRunStore;
import org.flowlab.core.tracking.RunSummary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The NICE plugin driven through the real CLI in a child JVM, loaded by the plugin host from the
 * source tree (development mode): a short run on a toy density trains, evaluates and records its
 * metrics; a short run on tiny images (written by the test) reports bits/dim and sample grids.
 */
class NiceEndToEndTest {
  private static final String TINY =
      """
      name: tiny-nice
      seed: 5
      data: {name: 8gaussians, train_size: 2000, val_size: 500, test_size: 1000}
      model:
        family: nice
        params: {couplings: 4, hidden: [16, 16], partition: checkerboard, prior: logistic}
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
      name: tiny-nice-images
      seed: 3
      data: {name: mnist, path: %s, n_bits: 5}
      model:
        family: nice
        params: {couplings: 4, hidden: [16]}
      training: {device: cpu, batch_size: 8, steps: 6, validate_every: 3, checkpoint_every: 3, log_every: 1}
      evaluation: {sample_grid: 3, temperatures: [0.0, 1.0]}
      """;

  @TempDir Path tmp;

  @Test
  void runTrainsEvaluatesAndRecordsEverything() throws Exception {
    Path runs = tmp.resolve("runs");
    Path config = tmp.resolve("tiny.yaml");
    Files.writeString(config, TINY);
    CliProcess.Result r = CliProcess.dev(runs).run(tmp.resolve("log"), "run", config.toString());
    assertEquals(0, r.exitCode(), r.stderr());
    LocalRunStore store = new LocalRunStore(runs);
    RunSummary run = store.listRuns().get(0);
    assertEquals("FINISHED", run.status().toString());
    assertEquals("nice", run.tags().get("flowlab.family"));
    assertEquals("0.1.0", run.tags().get("flowlab.plugin.nice"));
    assertEquals("4", run.params().get("model.params.couplings"));
    assertEquals("checkerboard", run.params().get("model.params.partition"));
    for (String metric : List.of("test/nll", "test/nll_minus_entropy", "test/kl")) {
      double value = run.latestMetrics().get(metric);
      assertTrue(Double.isFinite(value), metric + " = " + value);
    }
    assertEquals(
        run.latestMetrics().get("test/nll") - run.latestMetrics().get("test/true_nll"),
        run.latestMetrics().get("test/kl"),
        1e-9);
    assertEquals(12, store.metricHistory(run.id(), "train/loss").size(), "every 5 of 60 steps");
    // 60 steps from the identity flow with a logistic prior already beat the untrained model.
    List<Double> losses =
        store.metricHistory(run.id(), "train/loss").stream().map(p -> p.value()).toList();
    assertTrue(losses.get(losses.size() - 1) < losses.get(0), losses.toString());
    Path dir = store.runDir(run.id());
    assertTrue(Files.size(dir.resolve("artifacts/evaluation/density.png")) > 0);
    assertTrue(Files.exists(dir.resolve("checkpoints/best.ckpt")));
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
