package org.flowlab.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class DevicesTest {
  @Test
  void aFreshThreadRecordsGradientsUntilTheHostStopsIt() throws InterruptedException {
    Engine.getInstance(); // DJL turns recording off on the thread that loads it, and only there
    AtomicReference<boolean[]> seen = new AtomicReference<>();
    Thread t =
        new Thread(
            () -> {
              boolean before = Devices.recordsGradients();
              Devices.stopRecordingGradients();
              seen.set(new boolean[] {before, Devices.recordsGradients()});
            });
    t.start();
    t.join();
    assertTrue(seen.get()[0], "PyTorch starts a new thread recording (why the host must stop it)");
    assertFalse(seen.get()[1], "after stopRecordingGradients");
  }

  @Test
  void autoFallsBackToTheCpuAndSaysSo() {
    assertEquals(Device.cpu(), Devices.resolve("auto", 0));
    assertEquals(Device.gpu(0), Devices.resolve("auto", 2));
    assertEquals(
        "device: auto chose cpu (no GPU seen)", Devices.describeChoice("auto", Device.cpu()));
    assertNull(Devices.describeChoice("cpu", Device.cpu()), "an explicit device needs no line");
  }

  @Test
  void aGpuRequestWithoutAGpuSaysNoneIsHereAndHowToTrainOnTheCpu() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Devices.resolve("gpu", 0));
    assertTrue(e.getMessage().startsWith("gpu asks for a GPU but none is here"), e.getMessage());
    assertTrue(e.getMessage().contains("training.device=cpu"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
  }

  @Test
  void aGpuIndexBeyondTheVisibleOnesIsRefused() {
    assertEquals(Device.gpu(1), Devices.resolve("gpu:1", 2));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Devices.resolve("gpu:2", 2));
    assertEquals("gpu:2 asks for GPU 2 but DJL sees 2 GPU(s), numbered 0 to 1", e.getMessage());
  }

  @Test
  void vectorModelsTrainOnOneThreadAndImagesOnEveryCore() {
    assertEquals(1, Devices.defaultThreads(new ai.djl.ndarray.types.Shape(2), 16));
    assertEquals(16, Devices.defaultThreads(new ai.djl.ndarray.types.Shape(1, 28, 28), 16));
    assertEquals(2, Devices.defaultThreads(new ai.djl.ndarray.types.Shape(3, 32, 32), 2));
  }

  @Test
  void aGpuRunLeavesTheThreadsAlone() {
    assertEquals(0, Devices.applyThreadDefault(new ai.djl.ndarray.types.Shape(2), Device.gpu(0)));
  }
}
