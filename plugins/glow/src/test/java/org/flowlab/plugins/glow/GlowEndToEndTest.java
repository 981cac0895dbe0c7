package org.flowlab.plugins.glow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.flowlab.core.cli.CliProcess;
import org.flowlab.core.tracking.LocalRunStore;
import org.flowlab.core.tracking.RunSummary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Glow plugin found by the real plugin host (development mode, from the source tree) and run
 * through the CLI in a child JVM: a tiny vector run trains, evaluates and records; a bad {@code
 * model.params} value is one located error line.
 */
class GlowEndToEndTest {
  private static final String TINY =
      """
      name: tiny-glow
      seed: 3
      data: {name: 8gaussians, train_size: 1000, val_size: 200, test_size: 500}
      model:
        family: glow
        params: {steps: %s, hidden: [16], invconv: plain}
      training:
        device: cpu
        batch_size: 128
        steps: 20
        optimizer: {lr: 3.0e-3}
        schedule: {warmup_steps: 5}
        validate_every: 10
        log_every: 5
      evaluation: {samples: 200, grid_size: 20}
      """;

  @TempDir Path tmp;

  @Test
  void tinyRunTrainsAndRecordsAndBadParamsAreOneLocatedLine() throws Exception {
    Path runs = tmp.resolve("runs");
    Path good = tmp.resolve("tiny.yaml");
    Files.writeString(good, TINY.formatted("3"));
    CliProcess.Result r = CliProcess.dev(runs).run(tmp.resolve("log"), "run", good.toString());
    assertEquals(0, r.exitCode(), r.stderr());
    RunSummary run = new LocalRunStore(runs).listRuns().get(0);
    assertEquals("FINISHED", run.status().toString());
    assertEquals("glow", run.tags().get("flowlab.family"));
    assertEquals("0.1.0", run.tags().get("flowlab.plugin.glow"));
    double gap = run.latestMetrics().get("test/nll_minus_entropy");
    assertTrue(Double.isFinite(gap) && gap > 0, "NLL − entropy after 20 steps: " + gap);

    Path bad = tmp.resolve("bad.yaml");
    Files.writeString(bad, TINY.formatted("0"));
    CliProcess.Result e =
        CliProcess.dev(runs).run(tmp.resolve("log-bad"), "validate", bad.toString());
    assertEquals(2, e.exitCode(), e.stderr());
    List<String> errors = e.stderr().lines().filter(l -> l.startsWith("error: ")).toList();
    assertEquals(
        List.of("error: " + bad + ":6:12: model.params.steps: must be >= 1, got 0"), errors);
  }
}
