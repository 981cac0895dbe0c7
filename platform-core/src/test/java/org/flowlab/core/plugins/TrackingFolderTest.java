package org.flowlab.core.plugins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.flowlab.core.cli.Main;
import org.flowlab.core.data.TestFiles;
import org.flowlab.core.tracking.LocalRunStore;
import org.flowlab.registry.ModelStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A config whose {@code tracking.uri} is a folder: the run, its loss plot and everything that reads
 * it afterwards ({@code run --resume}, {@code export}) use that folder, not {@code --runs-dir}.
 */
class TrackingFolderTest {
  @TempDir Path tmp;
  private Path plugins;
  private Path config;
  private Path elsewhere;
  private Path runsDir;

  @BeforeEach
  void pluginDataAndConfig() throws Exception {
    plugins = Files.createDirectories(tmp.resolve("plugins"));
    PluginJars.plugin("multiscale")
        .source("org.flowlab.plugins.multiscale.MultiScaleFamily", ImageExportTest.FAMILY)
        .writeJar(plugins);
    Path data = Files.createDirectories(tmp.resolve("data"));
    TestFiles.idx(data.resolve("train-images-idx3-ubyte.gz"), 40, 4, 4);
    TestFiles.idx(data.resolve("t10k-images-idx3-ubyte"), 12, 4, 4);
    elsewhere = tmp.resolve("elsewhere");
    runsDir = tmp.resolve("runs");
    config =
        Files.writeString(
            tmp.resolve("img.yaml"),
            """
            name: img
            data: {name: mnist, path: %s, n_bits: 5}
            model: {family: multiscale}
            training: {device: cpu, batch_size: 8, steps: 4, validate_every: 2, log_every: 1}
            evaluation: {plots: true, temperatures: [1.0], sample_grid: 2}
            tracking: {uri: '%s'}
            """
                .formatted(data, elsewhere));
  }

  @Test
  void runsLivesAndIsFoundWhereTheConfigPutIt() throws Exception {
    assertEquals(0, flowlab("run", config.toString()).code(), "run");
    LocalRunStore store = new LocalRunStore(elsewhere);
    assertEquals(1, store.runIds().size(), "the run is in the tracking.uri folder");
    assertTrue(new LocalRunStore(runsDir).runIds().isEmpty(), "and not in --runs-dir");
    String id = store.runIds().get(0);
    assertTrue(
        Files.isRegularFile(store.runDir(id).resolve("artifacts/evaluation/loss.png")),
        "the loss plot, drawn from the run's own metric files");

    // With the config in hand, --resume finds the run by id in the config's folder.
    assertEquals(0, flowlab("run", "--resume", id, config.toString()).code(), "resume by id");

    // Without a config, an id is looked up in --runs-dir, and the message says what to give.
    Result missing = flowlab("export", id);
    assertEquals(2, missing.code(), missing.err());
    assertTrue(missing.err().contains("give its folder"), missing.err());
    assertEquals(1, missing.err().strip().lines().count(), missing.err());

    // The run's folder works for every command that reads runs.
    Path models = tmp.resolve("models");
    Result exported =
        flowlab("export", store.runDir(id).toString(), "--models-dir", models.toString());
    assertEquals(0, exported.code(), exported.err());
    assertEquals(List.of(1), new ModelStore(models).versions("img"));
    assertTrue(
        store.run(id).orElseThrow().tags().containsKey("flowlab.model/img/1"),
        "the export is recorded in the run where it lives");
  }

  private record Result(int code, String err) {}

  private Result flowlab(String... args) {
    List<String> all =
        new ArrayList<>(
            List.of("--plugins-dir", plugins.toString(), "--runs-dir", runsDir.toString()));
    all.addAll(List.of(args));
    PrintStream original = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      int code = Main.execute(all.toArray(String[]::new));
      return new Result(code, err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(original);
    }
  }
}
