package org.flowlab.core.plugins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.flowlab.core.cli.Main;
import org.flowlab.core.data.TestFiles;
import org.flowlab.core.tracking.LocalRunStore;
import org.flowlab.core.tracking.MlflowServer;
import org.flowlab.core.tracking.MlflowTracker;
import org.flowlab.core.tracking.RunSummary;
import org.flowlab.registry.ArrayFiles;
import org.flowlab.registry.ModelStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An exported flow is an MLflow Model: against a real {@code mlflow server}, a trained tiny model
 * is exported and registered; then in Python {@code mlflow.pyfunc.load_model("models:/…")} predicts
 * the same log p as {@code flowlab score} (to 1e-5), {@code mlflow models serve} answers {@code
 * /invocations} with those values, and the run and version read like MLflow's own.
 */
class MlflowNativeModelTest {
  @RegisterExtension static final MlflowServer SERVER = new MlflowServer();

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  @Test
  void exportedFlowLoadsPredictsAndServesInMlflow() throws Exception {
    Path plugins = Files.createDirectories(tmp.resolve("plugins"));
    PluginJars.plugin("multiscale")
        .source("org.flowlab.plugins.multiscale.MultiScaleFamily", ImageExportTest.FAMILY)
        .writeJar(plugins);
    Path data = Files.createDirectories(tmp.resolve("data"));
    TestFiles.idx(data.resolve("train-images-idx3-ubyte.gz"), 40, 4, 4);
    TestFiles.idx(data.resolve("t10k-images-idx3-ubyte"), 12, 4, 4);
    Path models = tmp.resolve("models");
    Path config =
        Files.writeString(
            tmp.resolve("img.yaml"),
            """
            name: img
            seed: 3
            data: {name: mnist, path: %s, n_bits: 5}
            model: {family: multiscale}
            training: {device: cpu, batch_size: 8, steps: 4, validate_every: 2, checkpoint_every: 2}
            evaluation: {plots: false}
            tracking: {uri: '%s', experiment: native}
            export: {name: flowdigits, models_dir: '%s'}
            """
                .formatted(data, SERVER.uri(), models));
    assertEquals(
        0,
        Main.execute(
            "--plugins-dir",
            plugins.toString(),
            "--runs-dir",
            tmp.resolve("runs").toString(),
            "run",
            config.toString()));

    // The local version folder is the same MLflow Model.
    Path version = new ModelStore(models).versionDir("flowdigits", 1);
    for (String f :
        List.of(
            "MLmodel",
            "code/flowlab_flow.py",
            "requirements.txt",
            "python_env.yaml",
            "input_example.json",
            "model-card.json")) {
      assertTrue(Files.isRegularFile(version.resolve(f)), "version folder holds " + f);
    }
    assertTrue(Files.readString(version.resolve("requirements.txt")).contains("onnxruntime=="));

    // Rows to score: 5 points of the event shape (1, 4, 4), in [0, 1).
    int rows = 5;
    StringBuilder csv = new StringBuilder();
    for (int r = 0; r < rows; r++) {
      List<String> values = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        values.add(String.format(Locale.ROOT, "%.4f", ((r * 16 + i) * 0.137) % 1.0));
      }
      csv.append(String.join(",", values)).append('\n');
    }
    Path points = Files.writeString(tmp.resolve("points.csv"), csv);
    Path scored = tmp.resolve("scored.npy");
    assertEquals(
        0,
        Main.execute(
            "score",
            "flowdigits:1",
            points.toString(),
            "--models-dir",
            models.toString(),
            "--out",
            scored.toString()));
    float[] expected = ArrayFiles.read(scored).values();
    assertEquals(rows, expected.length);

    // Python: pyfunc by registry URI, the sampler through params, the onnx flavour.
    String script =
        """
        import json, sys
        import numpy as np
        import mlflow
        m = mlflow.pyfunc.load_model("models:/flowdigits/1")
        x = np.loadtxt(sys.argv[1], delimiter=",", dtype=np.float32).reshape(-1, 1, 4, 4)
        logp = m.predict(x)
        s = m.predict(x[:1], params={"mode": "sample", "n": 3, "temperature": 0.7, "seed": 1})
        info = mlflow.models.get_model_info("models:/flowdigits/1")
        onnx_model = mlflow.onnx.load_model("models:/flowdigits/1")
        print(json.dumps({"log_prob": np.asarray(logp).tolist(), "sample_shape": list(s.shape),
            "inputs": info.signature.inputs.to_dict(), "onnx_inputs": [i.name for i in onnx_model.graph.input]}))
        """;
    JsonNode py = JSON.readTree(lastLine(python(List.of("-c", script, points.toString()))));
    for (int i = 0; i < rows; i++) {
      assertEquals(expected[i], py.path("log_prob").get(i).asDouble(), 1e-5, "row " + i);
    }
    assertEquals("[3,1,4,4]", py.path("sample_shape").toString());
    assertEquals("x", py.at("/inputs/0/name").asText());
    assertEquals("[\"x\"]", py.path("onnx_inputs").toString());

    // mlflow models serve answers /invocations with the same values.
    int port = MlflowServer.freePort();
    Process serve =
        mlflowProcess(
            List.of(
                "models",
                "serve",
                "-m",
                "models:/flowdigits/1",
                "--env-manager",
                "local",
                "-h",
                "127.0.0.1",
                "-p",
                Integer.toString(port)),
            tmp.resolve("serve.log"));
    try {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      waitForPing(http, port, serve);
      List<List<Double>> inputs = new ArrayList<>();
      for (String line : csv.toString().split("\n")) {
        List<Double> row = new ArrayList<>();
        for (String v : line.split(",")) {
          row.add(Double.parseDouble(v));
        }
        inputs.add(row);
      }
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/invocations"))
                  .timeout(Duration.ofSeconds(60))
                  .header("Content-Type", "application/json")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          JSON.writeValueAsString(Map.of("inputs", reshape(inputs)))))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
      JsonNode predictions = JSON.readTree(r.body()).path("predictions");
      assertEquals(rows, predictions.size(), r.body());
      for (int i = 0; i < rows; i++) {
        assertEquals(expected[i], predictions.get(i).asDouble(), 1e-5, "served row " + i);
      }
    } finally {
      stop(serve);
    }

    // The run and the version read like MLflow's own.
    LocalRunStore runs = new LocalRunStore(tmp.resolve("runs"));
    RunSummary local = runs.listRuns().get(0);
    String mlflowRunId = local.tags().get(MlflowTracker.TAG_MLFLOW_RUN_ID);
    JsonNode run = SERVER.get("/api/2.0/mlflow/runs/get?run_id=" + mlflowRunId).get("run");
    Map<String, String> tags = MlflowServer.pairs(run.at("/data/tags"));
    String hash = local.tags().get("flowlab.config_hash").substring(0, 7);
    assertEquals("multiscale-mnist-" + hash, run.at("/info/run_name").asText());
    assertEquals(System.getProperty("user.name"), tags.get("mlflow.user"));
    assertEquals("LOCAL", tags.get("mlflow.source.type"));
    assertEquals(config.toString(), tags.get("mlflow.source.name"));
    assertEquals(local.tags().get("flowlab.git.commit"), tags.get("mlflow.source.git.commit"));
    JsonNode inputs = run.at("/inputs/dataset_inputs");
    assertEquals(3, inputs.size(), "train, validation and test as dataset inputs: " + inputs);
    Map<String, String> contexts = new java.util.TreeMap<>();
    for (JsonNode in : inputs) {
      assertEquals("mnist", in.at("/dataset/name").asText());
      assertTrue(in.at("/dataset/schema").asText().contains("[-1,1,4,4]"), in.toString());
      contexts.put(
          MlflowServer.pairs(in.path("tags")).get("mlflow.data.context"),
          in.at("/dataset/profile").asText());
    }
    assertEquals(List.of("test", "train", "validation"), List.copyOf(contexts.keySet()));
    contexts.values().forEach(p -> assertTrue(p.matches(".*\"num_points\": ?[1-9].*"), p));
    List<String> metricKeys = new ArrayList<>();
    run.at("/data/metrics").forEach(m -> metricKeys.add(m.path("key").asText()));
    assertTrue(metricKeys.contains("system/cpu_utilization_percentage"), metricKeys.toString());
    assertTrue(metricKeys.contains("system/system_memory_usage_megabytes"), metricKeys.toString());
    JsonNode experiment =
        SERVER.get(
            "/api/2.0/mlflow/experiments/get?experiment_id="
                + run.at("/info/experiment_id").asText());
    assertEquals(
        "custom_model_development",
        MlflowServer.pairs(experiment.at("/experiment/tags")).get("mlflow.experimentKind"));
    JsonNode mv = SERVER.get("/api/2.0/mlflow/model-versions/get?name=flowdigits&version=1");
    Map<String, String> mvTags = MlflowServer.pairs(mv.at("/model_version/tags"));
    assertEquals("multiscale", mvTags.get("flowlab.family"));
    assertEquals(local.id(), mvTags.get("flowlab.source_run"));
    assertTrue(mvTags.containsKey("parity.log_prob_max_abs_error"), mvTags.toString());
    assertFalse(mv.at("/model_version/description").asText().isEmpty());

    // MLflow 3: the version comes from a logged model of the run, linked to its final metrics.
    String source = mv.at("/model_version/source").asText();
    assertTrue(source.startsWith("models:/m-"), source);
    String modelId = source.substring("models:/".length());
    JsonNode logged = SERVER.get("/api/2.0/mlflow/logged-models/" + modelId).at("/model");
    assertEquals(mlflowRunId, logged.at("/info/source_run_id").asText());
    List<String> linked = new ArrayList<>();
    logged.at("/data/metrics").forEach(m -> linked.add(m.path("key").asText()));
    assertTrue(linked.contains("test/nll"), "final metrics linked to the model: " + linked);
    List<String> outputs = new ArrayList<>();
    run.at("/outputs/model_outputs").forEach(o -> outputs.add(o.path("model_id").asText()));
    assertEquals(List.of(modelId), outputs, "the run's outputs name the model");
  }

  /** Rows of 16 values as (N, 1, 4, 4) nested lists. */
  private static List<Object> reshape(List<List<Double>> rows) {
    List<Object> out = new ArrayList<>();
    for (List<Double> row : rows) {
      List<Object> image = new ArrayList<>();
      for (int h = 0; h < 4; h++) {
        image.add(row.subList(h * 4, h * 4 + 4));
      }
      out.add(List.of(image));
    }
    return out;
  }

  private static String python(List<String> args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("python3"));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("MLFLOW_TRACKING_URI", SERVER.uri());
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      fail("python3 is missing: apt-get install python3 python3-pip && pip install mlflow");
      return "";
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(300, TimeUnit.SECONDS), "python finished");
    assertEquals(0, p.exitValue(), out);
    return out;
  }

  private static Process mlflowProcess(List<String> args, Path log) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("python3", "-m", "mlflow"));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.redirectOutput(log.toFile());
    pb.environment().put("MLFLOW_TRACKING_URI", SERVER.uri());
    return pb.start();
  }

  /** Polls {@code /ping} until it answers 200; fails with the log when the server died. */
  private void waitForPing(HttpClient http, int port, Process serve) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (System.nanoTime() < deadline) {
      if (!serve.isAlive()) {
        fail("mlflow models serve exited:\n" + Files.readString(tmp.resolve("serve.log")));
      }
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ping"))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not up yet
      }
      Thread.sleep(250);
    }
    fail(
        "mlflow models serve never answered /ping:\n" + Files.readString(tmp.resolve("serve.log")));
  }

  private static void stop(Process p) throws Exception {
    List<ProcessHandle> tree = p.descendants().toList();
    tree.forEach(ProcessHandle::destroy);
    p.destroy();
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      tree.forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }

  private static String lastLine(String out) {
    String[] lines = out.strip().split("\n");
    return lines[lines.length - 1];
  }
}
