package org.flowlab.core.tracking;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
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
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real MLflow tracking server for a test class: {@code mlflow server} on a free loopback port
 * with a SQLite backend and proxied artifacts ({@code --serve-artifacts}) in a temp folder. Tests
 * are skipped (not failed) when mlflow is not installed ({@code pip install mlflow}). Shipped in
 * platform-core's test-jar for end-to-end tests in plugin modules.
 */
public final class MlflowServer implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback {
  private static final Duration STARTUP = Duration.ofSeconds(90);

  private Process process;
  private Path dir;
  private int port;
  private String unavailable;
  private List<String> command;

  private static final HttpClient REST = HttpClient.newHttpClient();
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  /** The tracking URI, e.g. {@code http://127.0.0.1:5123}. */
  public String uri() {
    return "http://127.0.0.1:" + port;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    dir = Files.createTempDirectory("flowlab-mlflow-");
    Path log = dir.resolve("server.log");
    String why = "";
    // No "mlflow --version" probe first (it costs seconds of imports): start the server directly
    // and
    // fall back to the next way of running mlflow when that one is missing.
    for (List<String> mlflow : List.of(List.of("mlflow"), List.of("python3", "-m", "mlflow"))) {
      port = freePort();
      List<String> cmd = new ArrayList<>(mlflow);
      cmd.addAll(
          List.of(
              "server",
              "--host",
              "127.0.0.1",
              "--port",
              String.valueOf(port),
              "--workers",
              "1",
              "--backend-store-uri",
              "sqlite:///" + dir.resolve("mlflow.db").toAbsolutePath(),
              "--artifacts-destination",
              dir.resolve("artifacts").toAbsolutePath().toString(),
              "--serve-artifacts"));
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      pb.redirectOutput(log.toFile());
      // MLflow 3 starts a background job runner (several worker processes) that tracking does not
      // need; leaving it off makes startup quicker and lighter.
      pb.environment().put("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false");
      command = cmd;
      try {
        process = pb.start();
      } catch (IOException e) {
        why = String.join(" ", mlflow) + ": " + e.getMessage();
        continue;
      }
      if (waitForHealth()) {
        return;
      }
      if (process.isAlive()) {
        String tail = tail(log);
        afterAll(context);
        throw new IllegalStateException(
            "mlflow server did not answer /health in " + STARTUP + ":\n" + tail);
      }
      String tail = tail(log);
      process = null;
      if (!tail.contains("No module named")
          && !tail.contains("not found")
          && !tail.contains("command not found")) {
        afterAll(context);
        throw new IllegalStateException("mlflow server exited at startup:\n" + tail);
      }
      why = String.join(" ", mlflow) + ": " + tail.lines().reduce((a, b) -> b).orElse("");
    }
    afterAll(context);
    unavailable =
        "mlflow is not installed (pip install mlflow); MLflow tests skipped (" + why + ")";
  }

  /**
   * Skips each test, with the reason, when no server could be started for lack of mlflow; fails it
   * instead under CI ({@code CI=true}), where mlflow must be installed.
   */
  @Override
  public void beforeEach(ExtensionContext context) {
    if (unavailable != null && "true".equalsIgnoreCase(System.getenv("CI"))) {
      org.junit.jupiter.api.Assertions.fail(unavailable.replace("skipped", "cannot run under CI"));
    }
    Assumptions.assumeTrue(unavailable == null, unavailable);
  }

  /** Stops the server (a fault for tests); its data stays for {@link #restart()}. */
  public void stop() throws Exception {
    stopProcess();
  }

  /** Starts the stopped server again on the same port with the same data. */
  public void restart() throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("server.log").toFile()));
    pb.environment().put("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false");
    process = pb.start();
    if (!waitForHealth()) {
      throw new IllegalStateException(
          "mlflow server did not come back:\n" + tail(dir.resolve("server.log")));
    }
  }

  /** True once /health answers 200; false when the process died first. */
  private boolean waitForHealth() throws InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + STARTUP.toNanos();
    while (System.nanoTime() < deadline && process.isAlive()) {
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create(uri() + "/health"))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return true;
        }
      } catch (IOException e) {
        // not up yet
      }
      Thread.sleep(200);
    }
    return false;
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    stopProcess();
    if (dir != null) {
      try (Stream<Path> walk = Files.walk(dir)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
      dir = null;
    }
  }

  private void stopProcess() throws Exception {
    if (process != null) {
      List<ProcessHandle> tree = process.descendants().toList();
      tree.forEach(ProcessHandle::destroy);
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        tree.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
      for (ProcessHandle h : tree) {
        h.onExit().get(10, TimeUnit.SECONDS);
      }
      process = null;
    }
  }

  /** A TCP port on 127.0.0.1 that nothing listens on right now. */
  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  /**
   * GET {@code path} on the server's REST API and parse the JSON answer; fails the test unless 200.
   */
  public com.fasterxml.jackson.databind.JsonNode get(String path) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(uri() + path)).build(), path);
  }

  /** POST {@code body} as JSON to {@code path} and parse the answer; fails the test unless 200. */
  public com.fasterxml.jackson.databind.JsonNode post(String path, Object body) throws Exception {
    return send(
        HttpRequest.newBuilder(URI.create(uri() + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
            .build(),
        path);
  }

  /** MLflow's [{key, value}, ...] lists (params, tags) as a map; empty for a missing list. */
  public static java.util.Map<String, String> pairs(com.fasterxml.jackson.databind.JsonNode list) {
    if (list == null) {
      return java.util.Map.of();
    }
    return java.util.stream.StreamSupport.stream(list.spliterator(), false)
        .collect(
            java.util.stream.Collectors.toMap(
                n -> n.get("key").asText(), n -> n.get("value").asText()));
  }

  private static com.fasterxml.jackson.databind.JsonNode send(HttpRequest request, String path)
      throws Exception {
    HttpResponse<String> r = REST.send(request, HttpResponse.BodyHandlers.ofString());
    org.junit.jupiter.api.Assertions.assertEquals(200, r.statusCode(), path + ": " + r.body());
    return JSON.readTree(r.body());
  }
}
