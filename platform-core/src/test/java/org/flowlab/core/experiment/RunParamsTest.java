package org.flowlab.core.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.flowlab.core.config.ConfigLoader;
import org.flowlab.core.config.LoadedConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run logs only the params that mean something for its data. */
class RunParamsTest {
  @TempDir Path tmp;

  private LoadedConfig load() throws IOException {
    Path yaml =
        Files.writeString(
            tmp.resolve("exp.yaml"), "name: a\ndata:\n  name: moons\nmodel:\n  family: realnvp\n");
    return ConfigLoader.load(yaml);
  }

  @Test
  void vectorRunsDropTheImageOnlyParams() throws IOException {
    LoadedConfig loaded = load();
    Map<String, String> all = loaded.flatParams();
    assertTrue(all.keySet().containsAll(ExperimentRunner.IMAGE_ONLY_PARAMS), all.toString());
    Map<String, String> vector = ExperimentRunner.params(loaded, new Shape(2));
    for (String key : ExperimentRunner.IMAGE_ONLY_PARAMS) {
      assertFalse(vector.containsKey(key), key);
    }
    assertEquals(all.size() + 1 - ExperimentRunner.IMAGE_ONLY_PARAMS.size(), vector.size());
    assertEquals("float32", vector.get("training.precision"), "the default is recorded too");
    assertEquals(all.get("training.batch_size"), vector.get("training.batch_size"));
  }

  @Test
  void imageRunsKeepThem() throws IOException {
    LoadedConfig loaded = load();
    Map<String, String> expected = new java.util.TreeMap<>(loaded.flatParams());
    expected.put("training.precision", "float32");
    assertEquals(expected, ExperimentRunner.params(loaded, new Shape(1, 28, 28)));
  }
}
