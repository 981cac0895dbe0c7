package org.flowlab.core.plugins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.flowlab.core.cli.CliProcess;
import org.flowlab.core.data.TestFiles;
import org.flowlab.core.tracking.LocalRun;
import org.flowlab.core.tracking.LocalRunStore;
import org.flowlab.core.tracking.Tracker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run being trained by one process cannot be resumed by another (exit 2 naming the holder's pid);
 * when the holder dies, even by {@code kill -9}, the lock goes with it.
 */
class RunLockProcessTest {
  @TempDir Path tmp;

  @Test
  void resumingALiveRunIsRefusedUntilItsProcessDies() throws Exception {
    Path plugins = Files.createDirectories(tmp.resolve("plugins"));
    PluginJars.plugin("multiscale")
        .source("org.flowlab.plugins.multiscale.MultiScaleFamily", ImageExportTest.FAMILY)
        .writeJar(plugins);
    Path data = Files.createDirectories(tmp.resolve("data"));
    TestFiles.idx(data.resolve("train-images-idx3-ubyte.gz"), 40, 4, 4);
    TestFiles.idx(data.resolve("t10k-images-idx3-ubyte"), 12, 4, 4);
    Path config =
        Files.writeString(
            tmp.resolve("long.yaml"),
            """
            name: long
            data: {name: mnist, path: %s, n_bits: 5}
            model: {family: multiscale}
            training: {device: cpu, batch_size: 8, steps: 10000000, validate_every: 1000000}
            evaluation: {plots: false}
            """
                .formatted(data));
    Path runs = tmp.resolve("runs");
    List<String> global =
        List.of("--plugins-dir", plugins.toString(), "--runs-dir", runs.toString());
    Process trainer = new CliProcess(global).start(tmp.resolve("log"), "run", config.toString());
    try {
      LocalRunStore store = new LocalRunStore(runs);
      Path metric = waitForFirstLoss(store, trainer);
      String id = metric.getParent().getParent().getFileName().toString();

      // A second process (a regression would train for ever: CliProcess gives up after 5 minutes).
      CliProcess.Result second =
          new CliProcess(global).run(tmp.resolve("log2"), "run", "--resume", id);
      String message = second.stderr();
      assertEquals(2, second.exitCode(), message);
      assertTrue(message.contains("is being written by process " + trainer.pid()), message);
      assertEquals(1, message.strip().lines().count(), message);

      trainer.destroyForcibly(); // SIGKILL: no chance to release anything itself
      assertTrue(trainer.waitFor(60, TimeUnit.SECONDS));
      try (LocalRun resumed = store.resumeLocal(id).orElseThrow()) {
        resumed.finish(Tracker.Status.KILLED);
      }
    } finally {
      trainer.destroyForcibly();
    }
  }

  /** Waits until the training process has logged its first loss (the run is open and locked). */
  private static Path waitForFirstLoss(LocalRunStore store, Process trainer) throws Exception {
    while (trainer.isAlive()) {
      for (String id : store.runIds()) {
        Path loss = store.runDir(id).resolve("metrics").resolve("train%2Floss.jsonl");
        if (Files.exists(loss) && Files.size(loss) > 0) {
          return loss;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the training process ended early: exit " + trainer.exitValue());
  }
}
