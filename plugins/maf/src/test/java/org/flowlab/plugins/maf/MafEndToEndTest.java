package org.flowlab.plugins.maf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.flowlab.core.cli.CliRoundTrip;
import org.flowlab.core.tracking.RunSummary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MAF plugin driven through the real CLI in a child JVM, loaded by the plugin host from the
 * source tree (development mode): a short run of a residual-MADE MAF on a toy density trains,
 * evaluates and records its metrics, then exports (parity checked by the export), samples and
 * scores through ONNX Runtime; a short run on tiny images (written by the test) reports bits/dim
 * and sample grids.
 */
class MafEndToEndTest {
  private static final String TINY =
      """
      name: tiny-maf
      seed: 5
      data: {name: 8gaussians, train_size: 2000, val_size: 500, test_size: 1000}
      model:
        family: maf
        params: {layers: 3, hidden: [16, 16], residual: true, order: random, actnorm: true}
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
      name: tiny-maf-images
      seed: 3
      data: {name: mnist, path: %s, n_bits: 5, logit_alpha: 0.05}
      model:
        family: maf
        params: {layers: 2, hidden: [16]}
      training: {device: cpu, batch_size: 8, steps: 6, validate_every: 3, checkpoint_every: 3, log_every: 1}
      evaluation: {sample_grid: 3, temperatures: [0.0, 1.0]}
      """;

  @TempDir Path tmp;

  @Test
  void runTrainsEvaluatesExportsSamplesAndScores() throws Exception {
    RunSummary run = CliRoundTrip.trainExportSampleScore(tmp, TINY, "maf");
    assertEquals("random", run.params().get("model.params.order"));
    assertEquals("true", run.params().get("model.params.residual"));
    assertTrue(run.latestMetrics().get("test/inverse_error") < 1e-4, "d-pass inverse");
  }

  @Test
  void imagesAreFlattenedAndGiveBitsPerDimAndSampleGrids() throws Exception {
    CliRoundTrip.tinyImageRun(tmp, IMAGES);
  }
}
