package org.flowlab.core.plugins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.flowlab.api.onnx.runtime.OnnxSession;
import org.flowlab.core.cli.Main;
import org.flowlab.core.data.TestFiles;
import org.flowlab.core.experiment.TrackerFactory;
import org.flowlab.core.export.RunExporter;
import org.flowlab.core.tracking.LocalRunStore;
import org.flowlab.core.tracking.MlflowServer;
import org.flowlab.core.tracking.MlflowTracker;
import org.flowlab.core.tracking.RunSummary;
import org.flowlab.registry.ModelStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exported models in the tracking records, against a real MLflow server: an experiment's {@code
 * export:} block makes {@code flowlab run} export at the end; the ONNX files and card become run
 * artifacts, and the version is registered in MLflow's model registry with the run as its source.
 * With the server down the export still lands locally and {@code sync} registers it later.
 */
class ExportTrackingTest {
  @RegisterExtension static final MlflowServer SERVER = new MlflowServer();

  @TempDir Path tmp;
  private Path plugins;
  private Path data;

  @BeforeEach
  void pluginAndData() throws Exception {
    plugins = Files.createDirectories(tmp.resolve("plugins"));
    PluginJars.plugin("multiscale")
        .source("org.flowlab.plugins.multiscale.MultiScaleFamily", ImageExportTest.FAMILY)
        .writeJar(plugins);
    data = Files.createDirectories(tmp.resolve("data"));
    TestFiles.idx(data.resolve("train-images-idx3-ubyte.gz"), 40, 4, 4);
    TestFiles.idx(data.resolve("t10k-images-idx3-ubyte"), 12, 4, 4);
  }

  private Path yaml(String tracking, String export) throws Exception {
    return Files.writeString(
        tmp.resolve("img.yaml"),
        """
        name: img
        seed: 3
        data: {name: mnist, path: %s, n_bits: 5}
        model: {family: multiscale}
        training: {device: cpu, batch_size: 8, steps: 4, validate_every: 2, checkpoint_every: 2}
        evaluation: {plots: false}
        tracking: {uri: '%s'}
        %s
        """
            .formatted(data, tracking, export));
  }

  @Test
  void exportBlockRegistersTheModelInMlflowWithItsFilesAsRunArtifacts() throws Exception {
    Path models = tmp.resolve("models");
    Path config = yaml(SERVER.uri(), "export: {name: digits, models_dir: '" + models + "'}");
    int code =
        Main.execute(
            "--plugins-dir",
            plugins.toString(),
            "--runs-dir",
            tmp.resolve("runs").toString(),
            "run",
            config.toString());
    assertEquals(0, code, "flowlab run with an export block");
    assertEquals(List.of(1), new ModelStore(models).versions("digits"), "published locally");

    LocalRunStore runs = new LocalRunStore(tmp.resolve("runs"));
    RunSummary run = runs.listRuns().get(0);
    Path artifacts = runs.runDir(run.id()).resolve("artifacts").resolve("models/digits/1");
    for (String f : List.of("log_prob.onnx", "sample.onnx", "model-card.json")) {
      assertTrue(Files.isRegularFile(artifacts.resolve(f)), "local artifact " + f);
    }
    assertEquals("models/digits/1", run.tags().get("flowlab.model/digits/1"));

    String mlflowRunId = run.tags().get(MlflowTracker.TAG_MLFLOW_RUN_ID);
    JsonNode version = onlyVersion("digits");
    assertEquals("1", version.path("version").asText());
    assertEquals(mlflowRunId, version.path("run_id").asText(), "the source run");
    assertSourceIsTheExport(version, "/models/digits/1");
    JsonNode listed =
        SERVER.get(
            "/api/2.0/mlflow/artifacts/list?run_id=" + mlflowRunId + "&path=models/digits/1");
    List<String> files = new ArrayList<>();
    listed.path("files").forEach(f -> files.add(f.path("path").asText()));
    assertTrue(
        files.containsAll(
            List.of(
                "models/digits/1/MLmodel",
                "models/digits/1/log_prob.onnx",
                "models/digits/1/model-card.json",
                "models/digits/1/sample.onnx")),
        "artifacts on the server: " + files);
  }

  @Test
  void anUnreachableServerCostsNothingAndSyncRegistersLater() throws Exception {
    String down = "http://127.0.0.1:" + MlflowServer.freePort();
    Path config = yaml(down, "");
    TrackerFactory trackers = new TrackerFactory(tmp.resolve("runs"));
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
    try (PluginHost host = PluginHost.start(plugins, false, PluginHostTest.hostInjector())) {
      var outcome =
          new org.flowlab.core.experiment.ExperimentRunner(host, trackers)
              .run(org.flowlab.core.config.ConfigLoader.load(config), (String) null, quiet);
      ModelStore store = new ModelStore(tmp.resolve("models"));
      new RunExporter(host, trackers)
          .export(outcome.runId(), "offline", store, OnnxSession.Provider.CPU, quiet);
      assertEquals(List.of(1), store.versions("offline"), "published with the server down");

      // The server comes back (here: the run is sent to the live one): sync registers it.
      try (MlflowTracker live = new MlflowTracker(tmp.resolve("runs"), SERVER.uri())) {
        String summary = live.sync();
        assertTrue(summary.endsWith("0 pending"), summary);
      }
      JsonNode version = onlyVersion("offline");
      assertEquals("1", version.path("version").asText());
      assertSourceIsTheExport(version, "/models/offline/1");
    }
  }

  /**
   * The version's source: an MLflow 3 logged model made from the run (holding the exported files),
   * or on an older server the run's artifact folder.
   */
  private static void assertSourceIsTheExport(JsonNode version, String folder) throws Exception {
    String source = version.path("source").asText();
    if (source.startsWith("models:/")) {
      String modelId = source.substring("models:/".length());
      JsonNode info = SERVER.get("/api/2.0/mlflow/logged-models/" + modelId).at("/model/info");
      assertEquals(version.path("run_id").asText(), info.path("source_run_id").asText());
      assertEquals("LOGGED_MODEL_READY", info.path("status").asText(), info.toString());
    } else {
      assertTrue(source.endsWith(folder), version.toString());
    }
  }

  private static JsonNode onlyVersion(String name) throws Exception {
    JsonNode found =
        SERVER.get(
            "/api/2.0/mlflow/model-versions/search?filter="
                + java.net.URLEncoder.encode(
                    "name='" + name + "'", java.nio.charset.StandardCharsets.UTF_8));
    assertEquals(1, found.path("model_versions").size(), found.toString());
    SERVER.get("/api/2.0/mlflow/registered-models/get?name=" + name); // 200: it exists
    return found.path("model_versions").get(0);
  }
}
