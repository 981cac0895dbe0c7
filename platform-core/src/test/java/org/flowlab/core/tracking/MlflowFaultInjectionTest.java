package org.flowlab.core.tracking;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults between a training and its MLflow server: the server stopped mid-run and restarted, a
 * socket that accepts and never answers, a server that answers {@code /health} only. Each time the
 * run finishes, the training thread never makes a request, and after {@code flowlab sync} the real
 * server holds exactly the local store's params, tags, metric points and artifacts (read back over
 * REST).
 */
class MlflowFaultInjectionTest {
  @RegisterExtension static final MlflowServer SERVER = new MlflowServer();

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Duration CONNECT = Duration.ofMillis(300);

  @TempDir Path tmp;

  @Test
  void serverStoppedMidRunAndRestarted() throws Exception {
    LocalRunStore store = new LocalRunStore(tmp.resolve("runs"));
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String runId;
    MlflowTracker tracker = tracker(store, SERVER.uri(), err);
    try (tracker) {
      TrackedRun run = tracker.start("faults", "stop-restart", null);
      runId = run.id();
      train(run, 0, 30);
      assertTrue(tracker.awaitSent(runId, Duration.ofSeconds(60)), "sent while the server is up");
      SERVER.stop();
      train(run, 30, 60);
      SERVER.restart();
      train(run, 60, 90);
      run.finish(Tracker.Status.FINISHED);
    }
    assertNoRequestFromThisThread(tracker);
    syncAndCompare(store, runId);
  }

  @Test
  void socketThatAcceptsAndNeverAnswers() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      List<Socket> held = new ArrayList<>();
      Thread acceptor =
          new Thread(
              () -> {
                try {
                  while (true) {
                    held.add(silent.accept()); // read nothing, answer nothing
                  }
                } catch (Exception e) {
                  // closed
                }
              });
      acceptor.setDaemon(true);
      acceptor.start();
      runAgainstFaultyServer("http://127.0.0.1:" + silent.getLocalPort(), "silent");
    }
  }

  @Test
  void serverThatAnswersHealthOnly() throws Exception {
    HttpServer fake =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    CountDownLatch release = new CountDownLatch(1);
    fake.createContext(
        "/health",
        ex -> {
          byte[] ok = "OK".getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, ok.length);
          ex.getResponseBody().write(ok);
          ex.close();
        });
    fake.createContext(
        "/",
        ex -> {
          try {
            release.await(); // the API never answers
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          ex.close();
        });
    fake.setExecutor(
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r);
              t.setDaemon(true);
              return t;
            }));
    fake.start();
    try {
      runAgainstFaultyServer("http://127.0.0.1:" + fake.getAddress().getPort(), "health-only");
    } finally {
      release.countDown();
      fake.stop(0);
    }
  }

  private void runAgainstFaultyServer(String uri, String name) throws Exception {
    LocalRunStore store = new LocalRunStore(tmp.resolve("runs"));
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String runId;
    MlflowTracker tracker = tracker(store, uri, err);
    try (tracker) {
      TrackedRun run = tracker.start("faults", name, null);
      runId = run.id();
      train(run, 0, 60);
      run.finish(Tracker.Status.FINISHED);
    }
    assertNoRequestFromThisThread(tracker);
    assertEquals(Tracker.Status.FINISHED, store.run(runId).orElseThrow().status());
    String out = err.toString(StandardCharsets.UTF_8);
    assertTrue(out.lines().anyMatch(l -> l.matches("flowlab: \\d+ records wait in .*")), out);
    syncAndCompare(store, runId);
  }

  private static MlflowTracker tracker(LocalRunStore store, String uri, ByteArrayOutputStream err) {
    return new MlflowTracker(
        store, uri, CONNECT, new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  /**
   * What a training loop records, as the Trainer does it: params and tags up front, metrics every
   * step, a flush every 10 steps, a checkpoint artifact every 20.
   */
  private void train(TrackedRun run, int from, int to) throws Exception {
    run.logParams(Tracker.of("lr", "0.001", "model.family", "realnvp", "data.name", "moons"));
    run.setTags(Tracker.of("flowlab.device", "cpu", "flowlab.family", "realnvp"));
    double loss = 3.0;
    for (int step = from; step < to; step++) {
      loss = 3.0 / (1 + step) + Math.sin(step) * 1e-3;
      run.logMetric("train/loss", loss, step);
      run.logMetric("train/lr", 0.001, step);
      if (step % 10 == 9) {
        run.logMetric("val/nll", loss + 0.1, step);
        run.flush();
      }
      if (step % 20 == 19) {
        Path ckpt = tmp.resolve("checkpoint-" + step + ".bin");
        Files.write(ckpt, ("weights at " + step).getBytes(StandardCharsets.UTF_8));
        run.logArtifact(ckpt, "checkpoints");
      }
    }
    run.setTags(Map.of("flowlab.last_step", Integer.toString(to - 1)));
  }

  private static void assertNoRequestFromThisThread(MlflowTracker tracker) {
    assertFalse(
        tracker.requestsByThread().containsKey(Thread.currentThread().getName()),
        "the training thread never waited on the network: " + tracker.requestsByThread());
  }

  /** {@code flowlab sync} to the real server, then the server must hold the local record. */
  private static void syncAndCompare(LocalRunStore store, String runId) throws Exception {
    try (MlflowTracker sync = new MlflowTracker(store, SERVER.uri())) {
      String summary = sync.sync();
      assertTrue(summary.endsWith("; 0 pending"), summary);
    }
    RunSummary local = store.run(runId).orElseThrow();
    String mlflowId = local.tags().get(MlflowTracker.TAG_MLFLOW_RUN_ID);
    JsonNode run = SERVER.get("/api/2.0/mlflow/runs/get?run_id=" + mlflowId).get("run");
    assertEquals("FINISHED", run.at("/info/status").asText());
    assertEquals(
        new TreeMap<>(local.params()), new TreeMap<>(MlflowServer.pairs(run.at("/data/params"))));
    Map<String, String> remoteTags = MlflowServer.pairs(run.at("/data/tags"));
    local.tags().forEach((k, v) -> assertEquals(v, remoteTags.get(k), "tag " + k));

    List<String> keys = store.metricKeys(runId);
    List<String> remoteKeys = new ArrayList<>();
    run.at("/data/metrics").forEach(m -> remoteKeys.add(m.get("key").asText()));
    assertEquals(keys.stream().sorted().toList(), remoteKeys.stream().sorted().toList());
    for (String key : keys) {
      List<String> localPoints = new ArrayList<>();
      for (MetricPoint p : store.metricHistory(runId, key)) {
        localPoints.add(p.step() + "@" + p.timestamp() + "=" + p.value());
      }
      List<String> remotePoints = new ArrayList<>();
      SERVER
          .get(
              "/api/2.0/mlflow/metrics/get-history?max_results=25000&run_id="
                  + mlflowId
                  + "&metric_key="
                  + enc(key))
          .path("metrics")
          .forEach(
              m ->
                  remotePoints.add(
                      m.get("step").asLong()
                          + "@"
                          + m.get("timestamp").asLong()
                          + "="
                          + m.get("value").asDouble()));
      assertEquals(
          localPoints.stream().sorted().toList(),
          remotePoints.stream().sorted().toList(),
          "every point of " + key + " exactly once");
    }

    Path artifacts = store.runDir(runId).resolve("artifacts");
    List<String> localFiles;
    try (var walk = Files.walk(artifacts)) {
      localFiles =
          walk.filter(Files::isRegularFile)
              .map(p -> artifacts.relativize(p).toString())
              .sorted(Comparator.naturalOrder())
              .toList();
    }
    List<String> remoteFiles = new ArrayList<>();
    listArtifacts(mlflowId, "", remoteFiles);
    assertEquals(localFiles, remoteFiles.stream().sorted().toList());
    for (String f : localFiles) {
      HttpResponse<byte[]> r =
          HTTP.send(
              HttpRequest.newBuilder(
                      URI.create(
                          SERVER.uri() + "/get-artifact?run_uuid=" + mlflowId + "&path=" + enc(f)))
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(200, r.statusCode(), f);
      assertArrayEquals(Files.readAllBytes(artifacts.resolve(f)), r.body(), f);
    }
  }

  private static void listArtifacts(String runId, String path, List<String> out) throws Exception {
    JsonNode files =
        SERVER.get("/api/2.0/mlflow/artifacts/list?run_id=" + runId + "&path=" + enc(path));
    for (JsonNode f : files.path("files")) {
      if (f.path("is_dir").asBoolean()) {
        listArtifacts(runId, f.path("path").asText(), out);
      } else {
        out.add(f.path("path").asText());
      }
    }
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
