package org.flowlab.core.train;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
}
