package org.flowlab.plugins.vi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import org.flowlab.registry.ArrayFiles;
import org.flowlab.registry.ModelCard;
import org.flowlab.registry.ModelStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reverse-KL training through the real CLI in a child JVM, the plugin loaded from the source tree:
 * a short planar fit to U1 trains on its own samples, reports the ELBO, log Z (importance-sampled
 * and by quadrature), the ESS and the reverse KL, and draws the target beside the samples; its
 * export is a sampler that {@code flowlab sample} serves with log q and {@code score} refuses in
 * one line; a planar run on data is a located config error, and so is a Sylvester flow with more
 * orthonormal vectors than the target has dimensions.
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

    assertSamplerExportServes(cli, run.id());
  }

  /**
   * The run's export is a sampler: registered with a card that says so, it samples with log q
   * through the CLI, and {@code score} refuses it in one line (exit 1).
   */
  private void assertSamplerExportServes(CliProcess cli, String runId) throws Exception {
    Path models = tmp.resolve("models");
    String dir = "--models-dir=" + models;
    CliProcess.Result export =
        cli.run(tmp.resolve("log-export"), "export", runId, "--name", "u1", dir);
    assertEquals(0, export.exitCode(), export.stderr());
    assertTrue(export.stdout().contains("sampler only: family 'planar'"), export.stdout());
    assertTrue(export.stdout().contains("max |Δ log q|"), export.stdout());
    ModelStore.Registered registered = new ModelStore(models).resolve("u1");
    assertEquals(List.of(ModelCard.SAMPLER), List.copyOf(registered.card().graphs().keySet()));
    assertTrue(registered.card().parity().passed());
    assertTrue(Files.isRegularFile(registered.samplerFile()));
    assertFalse(Files.exists(registered.logProbFile()), "no log_prob model");

    Path x = tmp.resolve("x.npy");
    Path q = tmp.resolve("q.npy");
    CliProcess.Result sample =
        cli.run(
            tmp.resolve("log-sample"),
            "sample",
            "u1",
            "-n",
            "50",
            "--out",
            x.toString(),
            "--log-q",
            q.toString(),
            dir);
    assertEquals(0, sample.exitCode(), sample.stderr());
    assertArrayEquals(new long[] {50, 2}, ArrayFiles.readNpy(x).shape());
    float[] logQ = ArrayFiles.readNpy(q).values();
    assertEquals(50, logQ.length);
    for (float v : logQ) {
      assertTrue(Float.isFinite(v) && v < 5, "log q of a sample: " + v);
    }

    CliProcess.Result score = cli.run(tmp.resolve("log-score"), "score", "u1", x.toString(), dir);
    assertEquals(1, score.exitCode(), score.stderr());
    String line = score.stderr().strip();
    assertFalse(line.contains("\n"), line);
    assertTrue(
        line.startsWith("error: u1:1 has no log_prob model: family 'planar' offers the sampling"),
        line);
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
