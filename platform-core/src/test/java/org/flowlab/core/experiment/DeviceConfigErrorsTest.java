package org.flowlab.core.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.engine.Engine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.flowlab.core.config.ConfigException;
import org.flowlab.core.config.ConfigLoader;
import org.flowlab.core.config.LoadedConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A GPU asked for on a machine without one: exit 2 with the file, line and key. */
class DeviceConfigErrorsTest {
  @TempDir Path tmp;

  @Test
  void gpuWithoutAGpuIsLocatedAtTrainingDevice() throws IOException {
    assumeTrue(Engine.getInstance().getGpuCount() == 0, "this machine has a GPU");
    Path yaml =
        Files.writeString(
            tmp.resolve("exp.yaml"),
            "name: a\ndata:\n  name: moons\nmodel:\n  family: realnvp\ntraining:\n  device: gpu:1\n");
    LoadedConfig loaded = ConfigLoader.load(yaml);
    String message =
        assertThrows(ConfigException.class, () -> ExperimentRunner.resolveDevice(loaded))
            .getMessage();
    assertEquals(
        yaml
            + ":7:3: training.device: gpu:1 asks for a GPU but none is here (DJL sees no CUDA"
            + " device: no NVIDIA driver, or the CPU libtorch is loaded); nothing was trained. Add"
            + " training.device=cpu to train on the CPU, or run on a GPU machine (flowlab doctor"
            + " shows what DJL sees)",
        message);
  }
}
