package org.flowlab.core.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.flowlab.core.config.ConfigException;
import org.flowlab.core.config.ConfigLoader;
import org.flowlab.core.config.LoadedConfig;
import org.flowlab.core.data.DataSplits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dataset problems found when the data is loaded still name the YAML file, line and key. */
class DataConfigErrorsTest {
  @TempDir Path tmp;

  private LoadedConfig load(String data) throws IOException {
    Path yaml =
        Files.writeString(
            tmp.resolve("exp.yaml"), "name: a\ndata:\n" + data + "model:\n  family: realnvp\n");
    return ConfigLoader.load(yaml);
  }

  private String error(String data) throws IOException {
    LoadedConfig loaded = load(data);
    return assertThrows(ConfigException.class, () -> ExperimentRunner.loadData(loaded))
        .getMessage();
  }

  @Test
  void missingFolderIsLocatedAtDataPath() throws IOException {
    Path nowhere = tmp.resolve("nowhere");
    assertEquals(
        tmp.resolve("exp.yaml") + ":4:3: data.path: folder not found: " + nowhere,
        error("  name: mnist\n  path: " + nowhere + "\n"));
  }

  @Test
  void missingFileIsLocatedAtDataPath() throws IOException {
    Files.createDirectories(tmp.resolve("c"));
    assertEquals(
        tmp.resolve("exp.yaml") + ":4:3: data.path: no data_batch_1.bin in " + tmp.resolve("c"),
        error("  name: cifar10\n  path: " + tmp.resolve("c") + "\n"));
  }

  @Test
  void imageDatasetWithoutPathIsLocatedAtItsDataBlock() throws IOException {
    assertEquals(
        tmp.resolve("exp.yaml")
            + ":2:1: data.path: mnist needs data.path, the folder holding"
            + " train-images-idx3-ubyte(.gz) and t10k-images-idx3-ubyte(.gz)",
        error("  name: mnist\n"));
  }

  @Test
  void logitOnVectorDataAndPathOnToyDataAreRejected() throws IOException {
    assertEquals(
        tmp.resolve("exp.yaml")
            + ":4:3: data.logit_alpha: the logit applies to image data in [0, 1) only (mnist,"
            + " fashion-mnist, cifar10), not to 'moons'",
        error("  name: moons\n  logit_alpha: 0.05\n"));
    assertEquals(
        tmp.resolve("exp.yaml")
            + ":4:3: data.path: 'moons' is a toy density drawn from its formula; it reads no files",
        error("  name: moons\n  path: /tmp\n"));
  }

  @Test
  void aConditionTheDatasetLacksIsLocatedAtDataCondition() throws IOException {
    assertEquals(
        tmp.resolve("exp.yaml")
            + ":4:3: data.condition: 'checkerboard' has no label to condition on; conditional"
            + " datasets: 8gaussians (condition: component), moons (condition: moon), csv and npy"
            + " (condition: last:K)",
        error("  name: checkerboard\n  condition: cell\n"));
    assertEquals(
        tmp.resolve("exp.yaml")
            + ":4:3: data.condition: 'moons' can be conditioned on moon, not 'component'",
        error("  name: moons\n  condition: component\n"));
  }

  @Test
  void unknownNameSuggestsTheClosest() throws IOException {
    String msg = error("  name: fashion_mnist\n");
    assertEquals(true, msg.contains(":3:3: data.name: unknown dataset 'fashion_mnist'"), msg);
    assertEquals(true, msg.endsWith("did you mean 'fashion-mnist'?"), msg);
  }

  @Test
  void toyDefaultsAndCapsStillApply() throws IOException {
    DataSplits d = ExperimentRunner.loadData(load("  name: moons\n  train_size: 300\n"));
    assertEquals(300, d.train().count());
    assertEquals(5_000, d.val().count());
    assertEquals(20_000, d.test().count());
  }
}
