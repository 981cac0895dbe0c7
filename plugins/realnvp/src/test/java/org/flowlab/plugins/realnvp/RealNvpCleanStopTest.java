package org.flowlab.plugins.realnvp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.flowlab.core.cli.CliProcess;
import org.flowlab.core.tracking.LocalRunStore;
import org.flowlab.core.tracking.MetricPoint;
import org.flowlab.core.tracking.MlflowServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real SIGTERM to a training CLI JVM: it stops at a step boundary, writes a whole checkpoint,
 * marks the run KILLED (locally and on a real MLflow server) and exits 143; {@code --resume} ends
 * with the uninterrupted run's metrics, bit for bit.
 */
class RealNvpCleanStopTest {
  @RegisterExtension static final MlflowServer MLFLOW = new MlflowServer();

  private static final String TINY =
      """
      name: stop
      seed: 7
      data: {name: 8gaussians, train_size: 2000, val_size: 500, test_size: 1000}
      model:
        family: realnvp
        params: {couplings: 4, hidden: [16, 16]}
      training:
        device: cpu
        batch_size: 128
        steps: 1500
        optimizer: {lr: 3.0e-3}
        schedule: {warmup_steps: 10}
        checkpoint_every: 500
        validate_every: 250
        log_every: 5
      evaluation: {samples: 500, grid_size: 40}
      """;

  @TempDir Path tmp;

  @Test
  void sigtermStopsAtAStepWithACheckpointAndResumeEndsBitwiseLikeAnUninterruptedRun()
      throws Exception {
    Path config = tmp.resolve("stop.yaml");
    Files.writeString(config, TINY);
    Path straight = tmp.resolve("straight");
    CliProcess.Result whole =
        CliProcess.dev(straight).run(tmp.resolve("log-a"), "run", config.toString());
    assertEquals(0, whole.exitCode(), whole.stderr());

    Path stopped = tmp.resolve("stopped");
    Process p =
        CliProcess.dev(stopped)
            .start(
                tmp.resolve("log-b"),
                "run",
                config.toString(),
                "tracking.uri=" + MLFLOW.uri(),
                "tracking.experiment=stop-e2e");
    LocalRunStore store = new LocalRunStore(stopped);
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    boolean training = false;
    while (!training && p.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(20);
      try {
        List<String> ids = store.runIds();
        training = !ids.isEmpty() && !store.metricHistory(ids.get(0), "train/loss").isEmpty();
      } catch (IOException notYet) {
        // the run folder is being created
      }
    }
    assertTrue(training && p.isAlive(), "the run logged a training loss and was still training");
    p.destroy(); // SIGTERM
    assertTrue(p.waitFor(2, TimeUnit.MINUTES), "stopped");
    String stderr = Files.readString(tmp.resolve("log-b/stderr.txt"));
    assertEquals(143, p.exitValue(), stderr);
    Matcher m = Pattern.compile("stopped by SIGTERM after step (\\d+)").matcher(stderr);
    assertTrue(m.find(), stderr);
    long step = Long.parseLong(m.group(1));
    assertTrue(step > 0 && step < 1500, "stopped mid-training at step " + step);
    assertTrue(!stderr.contains("Exception") && !stderr.contains("hs_err"), stderr);
    String runId = store.runIds().get(0);
    assertEquals("KILLED", store.listRuns().get(0).status().toString());
    assertTrue(Files.size(store.runDir(runId).resolve("checkpoints/last.ckpt")) > 0);
    assertEquals("KILLED", serverStatus(), "the MLflow server has the run KILLED too");

    CliProcess.Result resumed =
        CliProcess.dev(stopped).run(tmp.resolve("log-c"), "run", "--resume", runId);
    assertEquals(0, resumed.exitCode(), resumed.stderr());
    assertTrue(
        resumed.stdout().contains("resuming at step " + step),
        "the stop's checkpoint is whole and holds step " + step + ": " + resumed.stdout());
    assertEquals("FINISHED", store.listRuns().get(0).status().toString());
    assertEquals("FINISHED", serverStatus());
    Map<String, Double> a = finalMetrics(new LocalRunStore(straight));
    Map<String, Double> b = finalMetrics(store);
    assertEquals(a.get("test/nll"), b.get("test/nll"), "bitwise equal test NLL");
    assertEquals(a, b);
  }

  /** The status of the one run of experiment {@code stop-e2e} on the MLflow server. */
  private static String serverStatus() throws Exception {
    String experimentId =
        MLFLOW
            .get("/api/2.0/mlflow/experiments/get-by-name?experiment_name=stop-e2e")
            .get("experiment")
            .get("experiment_id")
            .asText();
    var runs =
        MLFLOW
            .post(
                "/api/2.0/mlflow/runs/search",
                Map.of("experiment_ids", List.of(experimentId), "max_results", 10))
            .get("runs");
    assertEquals(1, runs.size(), runs.toString());
    return runs.get(0).get("info").get("status").asText();
  }

  private static Map<String, Double> finalMetrics(LocalRunStore store) throws IOException {
    String id = store.runIds().get(0);
    Map<String, Double> out =
        store.metricKeys(id).stream()
            .filter(k -> k.startsWith("test/") || k.startsWith("val/"))
            .collect(Collectors.toMap(k -> k, k -> last(store, id, k)));
    assertTrue(out.containsKey("test/nll"), out.toString());
    return out;
  }

  private static double last(LocalRunStore store, String id, String key) {
    try {
      List<MetricPoint> h = store.metricHistory(id, key);
      return h.get(h.size() - 1).value();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
