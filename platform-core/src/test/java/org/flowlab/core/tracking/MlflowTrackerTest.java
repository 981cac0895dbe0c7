package org.flowlab.core.tracking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The MLflow mirror against a real MLflow server, checked through the server's REST API. */
class MlflowTrackerTest {
  @RegisterExtension static final MlflowServer SERVER = new MlflowServer();

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path tmp;

  @Test
  void runIsMirroredWithParamsMetricsTagsParentStatusAndArtifacts() throws Exception {
    LocalRunStore store = new LocalRunStore(tmp.resolve("runs"));
    Path config = tmp.resolve("config.yaml");
    Files.writeString(config, "model:\n  family: realnvp\n");
    String parentId;
    String childId;
    try (MlflowTracker tracker = new MlflowTracker(store, SERVER.uri())) {
      TrackedRun parent = tracker.start("mirror-exp", "sweep", null);
      parentId = parent.id();
      TrackedRun child = tracker.start("mirror-exp", "trial-1", parent.id());
      childId = child.id();
      child.logParams(Tracker.of("lr", "0.01", "layers", "4"));
      child.setTags(
          Tracker.of(
              "flowlab.device",
              "cpu",
              MlflowTracker.TAG_RUN_NAME,
              MlflowTracker.trialRunName(
                  Tracker.of("training.optimizer.lr", "0.01", "seed", "2"))));
      for (int step = 0; step < 5; step++) {
        child.logMetric("train/loss", 3.0 - 0.5 * step, step);
      }
      child.flush();
      child.logMetric("val/nll", 1.25, 4);
      child.logMetric("acc@1", 0.5, 4); // '@' is not allowed by MLflow: sent as acc_1
      child.logArtifact(config, "config");
      child.finish(Tracker.Status.FINISHED);
      parent.setTags(Map.of("flowlab.best_run_id", childId)); // as a sweep tags its best trial
      parent.finish(Tracker.Status.FAILED);
      assertTrue(
          tracker.awaitSent(childId, Duration.ofSeconds(60)), "child sent in the background");
      assertTrue(tracker.awaitSent(parentId, Duration.ofSeconds(60)), "parent sent");
      assertFalse(
          tracker.requestsByThread().containsKey(Thread.currentThread().getName()),
          "the training thread made no request: " + tracker.requestsByThread());
      assertEquals("sent 0 runs, 0 metric points, 0 artifacts; 0 pending", tracker.sync());
    }

    String parentMlflow =
        store.run(parentId).orElseThrow().tags().get(MlflowTracker.TAG_MLFLOW_RUN_ID);
    String mlflowId = store.run(childId).orElseThrow().tags().get(MlflowTracker.TAG_MLFLOW_RUN_ID);
    assertNotNull(mlflowId, "local run records its MLflow run id");
    JsonNode run = get("/api/2.0/mlflow/runs/get?run_id=" + mlflowId).get("run");
    assertEquals("FINISHED", run.at("/info/status").asText());
    assertEquals("lr=0.01 seed=2", run.at("/info/run_name").asText(), "named by swept values");
    assertTrue(run.at("/info/end_time").asLong() > 0);
    Map<String, String> params = keyValues(run.at("/data/params"));
    assertEquals(Map.of("lr", "0.01", "layers", "4"), params);
    Map<String, String> tags = keyValues(run.at("/data/tags"));
    assertEquals(childId, tags.get(MlflowTracker.TAG_LOCAL_RUN_ID));
    assertEquals(parentMlflow, tags.get("mlflow.parentRunId"));
    assertEquals("cpu", tags.get("flowlab.device"));
    assertEquals(System.getProperty("user.name"), tags.get("mlflow.user"));
    assertEquals("LOCAL", tags.get("mlflow.source.type"));
    JsonNode parentRun = get("/api/2.0/mlflow/runs/get?run_id=" + parentMlflow).get("run");
    assertEquals("FAILED", parentRun.at("/info/status").asText());
    assertEquals(
        mlflowId,
        keyValues(parentRun.at("/data/tags")).get("flowlab.best_mlflow_run_id"),
        "the sweep parent names its best trial by MLflow run id");

    List<MetricPoint> local = store.metricHistory(childId, "train/loss");
    JsonNode history = metricHistory(mlflowId, "train/loss");
    assertEquals(5, history.size());
    for (int i = 0; i < 5; i++) {
      JsonNode m = history.get(i);
      MetricPoint p = local.get((int) m.get("step").asLong());
      assertEquals(p.value(), m.get("value").asDouble(), 0.0);
      assertEquals(p.timestamp(), m.get("timestamp").asLong());
    }
    assertEquals(1, metricHistory(mlflowId, "val/nll").size());
    assertEquals(0.5, metricHistory(mlflowId, "acc_1").get(0).get("value").asDouble());

    JsonNode files = get("/api/2.0/mlflow/artifacts/list?run_id=" + mlflowId + "&path=config");
    assertEquals("config/config.yaml", files.at("/files/0/path").asText());
    String content =
        getText("/get-artifact?run_uuid=" + mlflowId + "&path=" + enc("config/config.yaml"));
    assertEquals(Files.readString(config), content);
  }

  @Test
  void unreachableServerCostsNoData() throws Exception {
    LocalRunStore store = new LocalRunStore(tmp.resolve("runs"));
    Path artifact = tmp.resolve("samples.csv");
    Files.writeString(artifact, "x,y\n0.1,0.2\n");
    int dead = MlflowServer.freePort();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int points = 1200;
    String runId;
    try (MlflowTracker offline =
        new MlflowTracker(
            store,
            "http://127.0.0.1:" + dead,
            Duration.ofSeconds(2),
            new PrintStream(err, true, StandardCharsets.UTF_8))) {
      TrackedRun run = offline.start("offline-exp", "offline", null);
      runId = run.id();
      run.logParams(Tracker.of("seed", "7"));
      for (int step = 0; step < points; step++) {
        run.logMetric("loss", 1.0 / (step + 1), step);
        if (step % 300 == 299) {
          run.flush();
        }
      }
      run.logArtifact(artifact, "");
      run.finish(Tracker.Status.FINISHED);
      String summary = offline.sync();
      assertTrue(
          summary.startsWith("sent 0 runs, 0 metric points, 0 artifacts; 1 pending"), summary);
    }
    List<String> warnings = err.toString(StandardCharsets.UTF_8).lines().toList();
    assertEquals(2, warnings.size(), "one warning for the run, one summary line: " + warnings);
    assertTrue(warnings.get(0).contains(runId), warnings.get(0));
    // the run, 1 param, the points, 1 artifact, the status, and the tags MLflow derives
    assertTrue(
        warnings.get(1).matches("flowlab: \\d+ records wait in .* for `flowlab sync`.*"),
        warnings.get(1));
    assertEquals(points, store.metricHistory(runId, "loss").size());

    long allPoints = 0; // loss and the system/ metrics sampled while the run was open
    for (String key : store.metricKeys(runId)) {
      allPoints += store.metricHistory(runId, key).size();
    }
    try (MlflowTracker online = new MlflowTracker(store, SERVER.uri())) {
      assertEquals(
          "sent 1 runs, " + allPoints + " metric points, 1 artifacts; 0 pending", online.sync());
      assertEquals("sent 0 runs, 0 metric points, 0 artifacts; 0 pending", online.sync());
    }
    String mlflowId = store.run(runId).orElseThrow().tags().get(MlflowTracker.TAG_MLFLOW_RUN_ID);
    JsonNode run = get("/api/2.0/mlflow/runs/get?run_id=" + mlflowId).get("run");
    assertEquals("FINISHED", run.at("/info/status").asText());
    assertEquals(Map.of("seed", "7"), keyValues(run.at("/data/params")));
    JsonNode history = metricHistory(mlflowId, "loss");
    assertEquals(points, history.size(), "every point exactly once");
    TreeSet<Long> steps = new TreeSet<>();
    history.forEach(m -> steps.add(m.get("step").asLong()));
    assertEquals(points, steps.size());
    assertEquals(0L, steps.first());
    assertEquals(points - 1L, steps.last());
    assertEquals(
        "samples.csv",
        get("/api/2.0/mlflow/artifacts/list?run_id=" + mlflowId).at("/files/0/path").asText());
    assertEquals(1, runsWithLocalId(run.at("/info/experiment_id").asText(), runId));

    // Resuming the run continues the same MLflow run; only the new points are sent.
    try (MlflowTracker online = new MlflowTracker(store, SERVER.uri())) {
      TrackedRun resumed = online.resume(runId.substring(0, runId.length() - 2)).orElseThrow();
      resumed.logMetric("loss", 0.0001, points);
      resumed.finish(Tracker.Status.FINISHED);
    }
    assertEquals(points + 1, metricHistory(mlflowId, "loss").size());
    assertEquals(1, runsWithLocalId(run.at("/info/experiment_id").asText(), runId));
  }

  @Test
  void adoptedLocalRunIsSentWithItsParentLink() throws Exception {
    LocalRunStore store = new LocalRunStore(tmp.resolve("runs"));
    String parentId;
    String childId;
    try (LocalRun parent = store.start("adopt-exp", "sweep", null);
        LocalRun child = store.start("adopt-exp", "trial", parent.id())) {
      parentId = parent.id();
      childId = child.id();
      for (int step = 0; step < 3; step++) {
        child.logMetric("nll", 5.0 - step, step);
      }
    }
    try (MlflowTracker tracker = new MlflowTracker(store, SERVER.uri())) {
      assertEquals("sent 0 runs, 0 metric points, 0 artifacts; 0 pending", tracker.sync());
      assertEquals(childId, tracker.adopt(childId).orElseThrow());
      tracker.adopt(parentId);
      assertEquals("sent 2 runs, 3 metric points, 0 artifacts; 0 pending", tracker.sync());
    }
    String parentMlflow =
        store.run(parentId).orElseThrow().tags().get(MlflowTracker.TAG_MLFLOW_RUN_ID);
    String childMlflow =
        store.run(childId).orElseThrow().tags().get(MlflowTracker.TAG_MLFLOW_RUN_ID);
    JsonNode child = get("/api/2.0/mlflow/runs/get?run_id=" + childMlflow).get("run");
    assertEquals(parentMlflow, keyValues(child.at("/data/tags")).get("mlflow.parentRunId"));
    assertEquals("FINISHED", child.at("/info/status").asText());
    assertEquals(3, metricHistory(childMlflow, "nll").size());
  }

  // ---- REST helpers: read what the server really holds
  // -------------------------------------------

  private static JsonNode metricHistory(String runId, String key) throws Exception {
    return get("/api/2.0/mlflow/metrics/get-history?run_id="
            + runId
            + "&metric_key="
            + enc(key)
            + "&max_results=25000")
        .path("metrics");
  }

  private static int runsWithLocalId(String experimentId, String localId) throws Exception {
    String body =
        JSON.writeValueAsString(
            Map.of(
                "experiment_ids",
                List.of(experimentId),
                "filter",
                "tags.`flowlab.local_run_id` = '" + localId + "'"));
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(SERVER.uri() + "/api/2.0/mlflow/runs/search"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body()).path("runs").size();
  }

  private static JsonNode get(String path) throws Exception {
    return JSON.readTree(getText(path));
  }

  private static String getText(String path) throws IOException, InterruptedException {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(SERVER.uri() + path)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), path + ": " + r.body());
    return r.body();
  }

  private static Map<String, String> keyValues(JsonNode array) {
    Map<String, String> out = new HashMap<>();
    array.forEach(n -> out.put(n.get("key").asText(), n.get("value").asText()));
    return out;
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
