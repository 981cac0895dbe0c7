package org.flowlab.plugins.realnvp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.flowlab.core.cli.CliProcess;
import org.flowlab.core.tracking.LocalRunStore;
import org.flowlab.core.tracking.MetricPoint;
import org.flowlab.core.tracking.MlflowServer;
import org.flowlab.core.tracking.RunSummary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The RealNVP plugin driven through the real CLI in child JVMs, loaded by the plugin host from the
 * source tree (development mode): a run end to end, located errors for bad input, {@code kill -9}
 * then {@code --resume}, and a run tracked on a real MLflow server.
 */
class RealNvpEndToEndTest {
  @RegisterExtension static final MlflowServer MLFLOW = new MlflowServer();

  private static final String TINY =
      """
      name: tiny
      seed: 5
      data: {name: 8gaussians, train_size: 2000, val_size: 500, test_size: 1000}
      model:
        family: realnvp
        params: {couplings: 4, hidden: [16, 16]}
      training:
        device: cpu
        batch_size: 128
        steps: %d
        optimizer: {lr: 3.0e-3}
        schedule: {warmup_steps: 10}
        checkpoint_every: 25
        validate_every: 25
        log_every: 5
      evaluation: {samples: 500, grid_size: 40}
      """;

  @TempDir Path tmp;

  private Path yaml(String name, String text) throws IOException {
    Path file = tmp.resolve(name);
    Files.writeString(file, text);
    return file;
  }

  @Test
  void runTrainsEvaluatesAndRecordsEverything() throws Exception {
    Path runs = tmp.resolve("runs");
    CliProcess.Result r =
        CliProcess.dev(runs)
            .run(tmp.resolve("log"), "run", yaml("tiny.yaml", TINY.formatted(100)).toString());
    assertEquals(0, r.exitCode(), r.stderr());
    assertTrue(r.stdout().contains("checkpoint: "), r.stdout());
    LocalRunStore store = new LocalRunStore(runs);
    RunSummary run = store.listRuns().get(0);
    assertEquals("FINISHED", run.status().toString());
    assertTrue(
        run.latestMetrics().containsKey("test/nll_minus_entropy"), run.latestMetrics().toString());
    assertEquals("realnvp", run.tags().get("flowlab.family"));
    assertEquals("0.1.0", run.tags().get("flowlab.plugin.realnvp"));
    assertEquals(64, run.tags().get("flowlab.config_hash").length());
    assertEquals("4", run.params().get("model.params.couplings"));
    assertEquals(
        20, store.metricHistory(run.id(), "train/loss").size(), "train/loss every 5 of 100 steps");
    Path dir = store.runDir(run.id());
    for (String f : List.of("density.png", "loss.png", "samples.npz")) {
      assertTrue(Files.size(dir.resolve("artifacts/evaluation").resolve(f)) > 0, f);
    }
    assertTrue(Files.exists(dir.resolve("checkpoints/best.ckpt")));
    assertTrue(Files.exists(dir.resolve("artifacts/config.yaml")));

    CliProcess.Result listed =
        CliProcess.dev(runs).run(tmp.resolve("log2"), "runs", "--sort", "test/nll");
    assertEquals(0, listed.exitCode(), listed.stderr());
    assertTrue(listed.stdout().contains(run.id()), listed.stdout());
  }

  @Test
  void badInputExitsWithCodeTwoAndOneLocatedLine() throws Exception {
    String good = TINY.formatted(10);
    Map<String, String> cases =
        Map.of(
            "key.yaml", good.replace("batch_size: 128", "batch_sise: 128"),
            "family.yaml", good.replace("family: realnvp", "family: realnvpp"),
            "dataset.yaml", good.replace("name: 8gaussians", "name: 8gausians"),
            "param.yaml", good.replace("couplings: 4", "couplings: 0"));
    Map<String, String> expected =
        Map.of(
            "key.yaml",
                ":9:3: training.batch_sise: unknown key 'batch_sise' in training (did you mean 'batch_size'?)",
            "family.yaml", ":5:3: model.family: unknown family 'realnvpp' (installed: ",
            "dataset.yaml", ":3:8: data.name: unknown dataset '8gausians' (known: ",
            "param.yaml", ":6:12: model.params.couplings: must be >= 1, got 0");
    for (var c : cases.entrySet()) {
      Path file = yaml(c.getKey(), c.getValue());
      for (String command : List.of("validate", "run")) {
        CliProcess.Result r =
            CliProcess.dev(tmp.resolve("runs"))
                .run(tmp.resolve("log-" + c.getKey()), command, file.toString());
        assertEquals(2, r.exitCode(), command + " " + c.getKey() + ": " + r.stderr());
        List<String> errors = r.stderr().lines().filter(l -> l.startsWith("error: ")).toList();
        assertEquals(1, errors.size(), r.stderr());
        assertTrue(
            errors.get(0).startsWith("error: " + file + expected.get(c.getKey())), errors.get(0));
        assertFalse(r.stderr().contains("\tat ") || r.stderr().contains("Exception"), r.stderr());
      }
    }
    CliProcess.Result missing =
        CliProcess.dev(tmp.resolve("runs")).run(tmp.resolve("log-missing"), "run", "nope.yaml");
    assertEquals(2, missing.exitCode());
    assertEquals("error: nope.yaml: file not found", missing.stderr().strip());
  }

  @Test
  void killNineThenResumeEndsWithTheUninterruptedMetrics() throws Exception {
    Path config = yaml("tiny.yaml", TINY.formatted(150));
    Path straight = tmp.resolve("straight");
    assertEquals(
        0, CliProcess.dev(straight).run(tmp.resolve("log-a"), "run", config.toString()).exitCode());

    Path killed = tmp.resolve("killed");
    Process p = CliProcess.dev(killed).start(tmp.resolve("log-b"), "run", config.toString());
    // Wait for an event, not a time: the first checkpoint (step 25 of 150), or the process ending.
    Path last = firstCheckpoint(killed, p);
    assertTrue(last != null, "the run wrote a checkpoint before it ended");
    p.destroyForcibly().waitFor(); // SIGKILL
    assertTrue(
        p.exitValue() != 0,
        "the run was still training when killed (it had finished: exit " + p.exitValue() + ")");
    LocalRunStore store = new LocalRunStore(killed);
    String runId = store.runIds().get(0);
    assertEquals(
        "RUNNING", store.listRuns().get(0).status().toString(), "a killed run never finished");

    CliProcess.Result resumed =
        CliProcess.dev(killed).run(tmp.resolve("log-c"), "run", "--resume", runId.substring(0, 17));
    assertEquals(0, resumed.exitCode(), resumed.stderr());
    assertTrue(resumed.stdout().contains("resuming at step "), resumed.stdout());

    Map<String, Double> a = finalMetrics(new LocalRunStore(straight));
    Map<String, Double> b = finalMetrics(store);
    assertEquals(a.get("test/nll"), b.get("test/nll"), "bitwise equal test NLL");
    assertEquals(a, b);
  }

  /**
   * Waits until a run under {@code runs} has a {@code last.ckpt} (returned) or {@code process} ends
   * (null): no time limit, since the run ends by itself once it has trained.
   */
  private static Path firstCheckpoint(Path runs, Process process) throws Exception {
    while (process.isAlive()) {
      try (var dirs = Files.list(runs)) {
        Path last =
            dirs.map(d -> d.resolve("checkpoints/last.ckpt"))
                .filter(Files::exists)
                .findFirst()
                .orElse(null);
        if (last != null) {
          return last;
        }
      } catch (IOException notYet) {
        // the runs folder is not there yet
      }
      process.waitFor(20, TimeUnit.MILLISECONDS);
    }
    return null;
  }

  private static Map<String, Double> finalMetrics(LocalRunStore store) throws IOException {
    String id = store.runIds().get(0);
    return store.metricKeys(id).stream()
        .filter(k -> k.startsWith("test/") || k.startsWith("val/"))
        .collect(
            Collectors.toMap(
                k -> k,
                k -> {
                  try {
                    List<MetricPoint> h = store.metricHistory(id, k);
                    return h.get(h.size() - 1).value();
                  } catch (IOException e) {
                    throw new RuntimeException(e);
                  }
                }));
  }

  @Test
  void runOnARealMlflowServerCanBeReadBackThroughRest() throws Exception {
    Path config = yaml("tiny.yaml", TINY.formatted(40));
    CliProcess.Result r =
        CliProcess.dev(tmp.resolve("runs"))
            .run(
                tmp.resolve("log"),
                "run",
                config.toString(),
                "tracking.uri=" + MLFLOW.uri(),
                "tracking.experiment=e2e");
    assertEquals(0, r.exitCode(), r.stderr());
    JsonNode experiment =
        MLFLOW.get("/api/2.0/mlflow/experiments/get-by-name?experiment_name=e2e").get("experiment");
    JsonNode search =
        MLFLOW.post(
            "/api/2.0/mlflow/runs/search",
            Map.of("experiment_ids", List.of(experiment.get("experiment_id").asText())));
    JsonNode run = search.get("runs").get(0);
    String runId = run.get("info").get("run_id").asText();
    assertEquals("FINISHED", run.get("info").get("status").asText());
    Map<String, String> params = MlflowServer.pairs(run.get("data").get("params"));
    Map<String, String> tags = MlflowServer.pairs(run.get("data").get("tags"));
    assertEquals("4", params.get("model.params.couplings"));
    assertEquals("realnvp", tags.get("flowlab.family"));
    assertTrue(
        tags.containsKey("flowlab.git.commit") && tags.containsKey("flowlab.engine"),
        tags.toString());
    JsonNode history =
        MLFLOW.get(
            "/api/2.0/mlflow/metrics/get-history?run_id="
                + runId
                + "&metric_key="
                + URLEncoder.encode("train/loss", StandardCharsets.UTF_8));
    assertEquals(8, history.get("metrics").size(), "train/loss every 5 of 40 steps");
    JsonNode artifacts =
        MLFLOW.get("/api/2.0/mlflow/artifacts/list?run_id=" + runId + "&path=evaluation");
    List<String> files = artifacts.get("files").findValuesAsText("path");
    assertTrue(
        files.contains("evaluation/density.png") && files.contains("evaluation/loss.png"),
        files.toString());
  }
}
