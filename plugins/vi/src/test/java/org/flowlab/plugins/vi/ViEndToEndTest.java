package org.flowlab.plugins.vi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.flowlab.core.cli.CliProcess;
import org.flowlab.core.tracking.LocalRunStore;
import org.flowlab.core.tracking.RunSummary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reverse-KL training through the real CLI in a child JVM, the plugin loaded from the source tree:
 * a short planar fit to U1 trains on its own samples, reports the ELBO, log Z (importance-sampled
 * and by quadrature), the ESS and the reverse KL, and draws the target beside the samples; its
 * export fails in one line (sampling only); a planar run on data is a located config error, and so
 * is a Sylvester flow with more orthonormal vectors than the target has dimensions.
 */
class ViEndToEndTest {
  private static final String TINY =
      """
      name: tiny-planar
      seed: 2
      target: {name: u1, anneal_steps: 20}
      model:
        family: planar
        params: {layers: 4}
      training:
        objective: reverse_kl
        device: cpu
        batch_size: 64
        steps: 80
        optimizer: {lr: 1.0e-2}
        checkpoint_every: 40
        log_every: 10
      evaluation: {samples: 2000, grid_size: 40}
      """;

  @TempDir Path tmp;

  @Test
  void aPlanarFlowFitsU1AndReportsTheReverseKl() throws Exception {
    Path runs = tmp.resolve("runs");
    Path config = Files.writeString(tmp.resolve("tiny.yaml"), TINY);
    CliProcess cli = CliProcess.dev(runs);
    CliProcess.Result r = cli.run(tmp.resolve("log"), "run", config.toString());
    assertEquals(0, r.exitCode(), r.stderr());
    LocalRunStore store = new LocalRunStore(runs);
    RunSummary run = store.listRuns().get(0);
    assertEquals("FINISHED", run.status().toString());
    assertEquals("u1", run.tags().get("flowlab.target"));
    assertEquals("reverse_kl", run.params().get("training.objective"));
    Map<String, Double> m = run.latestMetrics();
    double elbo = m.get("test/elbo");
    double logZ = m.get("test/log_z");
    assertEquals(logZ - elbo, m.get("test/reverse_kl"), 1e-9);
    assertTrue(m.get("test/reverse_kl") > 0, "KL(q ‖ p) ≥ 0 up to sampling noise: " + m);
    assertTrue(m.get("test/ess") > 0 && m.get("test/ess") <= 1, "ESS fraction " + m);
    // Jensen: log mean w ≥ mean log w (after 80 steps the weights are too uneven for the
    // importance-sampled log Z to be near the quadrature's, which the ESS shows).
    assertTrue(m.get("test/log_z_is") >= elbo, m.toString());
    List<Double> losses =
        store.metricHistory(run.id(), "train/loss").stream().map(p -> p.value()).toList();
    assertEquals(8, losses.size(), "every 10 of 80 steps");
    Path dir = store.runDir(run.id());
    assertTrue(Files.size(dir.resolve("artifacts/evaluation/target.png")) > 0);

    CliProcess.Result export = cli.run(tmp.resolve("log-export"), "export", run.id());
    assertEquals(1, export.exitCode(), export.stderr());
    String line = export.stderr().strip();
    assertFalse(line.contains("\n"), line);
    assertTrue(line.startsWith("error: family 'planar' offers sampling only"), line);
  }

  @Test
  void aPlanarFlowOnDataIsALocatedError() throws Exception {
    Path config =
        Files.writeString(
            tmp.resolve("data.yaml"),
            "name: planar-on-data\ndata: {name: moons}\nmodel: {family: planar}\n");
    CliProcess.Result r =
        CliProcess.dev(tmp.resolve("runs")).run(tmp.resolve("log"), "validate", config.toString());
    assertEquals(2, r.exitCode(), r.stderr());
    assertTrue(
        r.stderr().strip().startsWith("error: " + config + ":3:9: model.family: family 'planar'"),
        r.stderr());
  }

  @Test
  void tooManySylvesterVectorsForTheTargetIsALocatedError() throws Exception {
    Path config =
        Files.writeString(
            tmp.resolve("vectors.yaml"),
            """
            name: sylvester-vectors
            target: {name: u1}
            model:
              family: sylvester
              params: {variant: orthogonal, orthogonal_vectors: 3}
            training: {objective: reverse_kl, steps: 10}
            """);
    CliProcess.Result r =
        CliProcess.dev(tmp.resolve("runs")).run(tmp.resolve("log"), "validate", config.toString());
    assertEquals(2, r.exitCode(), r.stderr());
    assertEquals(
        "error: "
            + config
            + ":5:33: model.params.orthogonal_vectors: must be <= the dimension 2, got 3",
        r.stderr().strip());
  }
}
