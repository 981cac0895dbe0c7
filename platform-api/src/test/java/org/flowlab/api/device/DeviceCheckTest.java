package org.flowlab.api.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.flowlab.api.estimate.Probes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The runtime device check on this CPU machine: what it lets through, and the two mistakes it can
 * show here — an array under a manager of its own, and a run on another device (a GPU manager is a
 * plain object until something is allocated on it, so no GPU is needed to build one).
 */
class DeviceCheckTest {
  @AfterEach
  void switchOff() {
    System.clearProperty(DeviceCheck.PROPERTY);
  }

  @Test
  void anArrayUnderTheRunsManagerPasses() {
    try (NDManager run = NDManager.newBaseManager(Device.cpu());
        NDManager step = run.newSubManager()) {
      NDArray batch = step.create(new float[] {1, 2}, new Shape(1, 2));
      long before = DeviceCheck.passed();
      DeviceCheck.verifyOnRun("batch", batch, run);
      DeviceCheck.verifyOnRun("sum", batch.add(batch), run);
      assertEquals(before + 2, DeviceCheck.passed(), "each passed check is counted");
    }
  }

  @Test
  void anArrayUnderAManagerOfItsOwnIsNamed() {
    try (NDManager run = NDManager.newBaseManager(Device.cpu());
        NDManager own = NDManager.newBaseManager(Device.cpu())) {
      NDArray mask = own.ones(new Shape(1, 2));
      DevicePlacementException e =
          assertThrows(
              DevicePlacementException.class,
              () -> DeviceCheck.verifyOnRun("parameter coupling.0.mask", mask, run));
      assertTrue(
          e.getMessage()
              .startsWith(
                  "device check: parameter coupling.0.mask is on cpu() but was created outside the"
                      + " run's manager"),
          e.getMessage());
      assertFalse(e.getMessage().contains("\n"), "one line");
    }
  }

  @Test
  void anArrayOnTheHostWhileTheRunIsOnAGpuIsNamedWithBothDevices() {
    try (NDManager run = NDManager.newBaseManager(Device.gpu(0));
        NDManager host = NDManager.newBaseManager(Device.cpu())) {
      NDArray batch = host.zeros(new Shape(4, 2));
      DevicePlacementException e =
          assertThrows(
              DevicePlacementException.class,
              () -> DeviceCheck.verifyOnRun("training batch of step 3", batch, run));
      assertEquals(
          "device check: training batch of step 3 is on cpu(), the run is on gpu(0)",
          e.getMessage());
    }
  }

  @Test
  void theCheckRunsOnlyWhenSwitchedOn() {
    try (NDManager run = NDManager.newBaseManager(Device.cpu());
        NDManager own = NDManager.newBaseManager(Device.cpu())) {
      NDArray stray = own.ones(new Shape(2));
      assertFalse(DeviceCheck.enabled());
      DeviceCheck.requireOnRun("stray", stray, run); // off: not looked at
      System.setProperty(DeviceCheck.PROPERTY, "true");
      assertTrue(DeviceCheck.enabled());
      assertThrows(
          DevicePlacementException.class, () -> DeviceCheck.requireOnRun("stray", stray, run));
    }
  }

  @Test
  void probesAreDrawnBesideWhatTheyProbeAndAStrayProbeIsNamed() {
    System.setProperty(DeviceCheck.PROPERTY, "true");
    try (NDManager run = NDManager.newBaseManager(Device.cpu());
        NDManager own = NDManager.newBaseManager(Device.cpu())) {
      NDArray x = run.newSubManager().ones(new Shape(3, 2));
      NDArray gaussian = Probes.gaussian(x, "probe");
      NDArray signs = Probes.rademacher(x, "probe");
      assertEquals(x.getShape(), gaussian.getShape());
      assertEquals(x.getDevice(), signs.getDevice());
      assertTrue(signs.abs().eq(1).all().getBoolean(), "Rademacher draws are ±1");
      NDArray stray = own.randomNormal(x.getShape());
      DevicePlacementException e =
          assertThrows(
              DevicePlacementException.class,
              () -> DeviceCheck.requireBeside("Hutchinson probe of block 2", stray, x));
      assertTrue(
          e.getMessage()
              .contains("Hutchinson probe of block 2 is on cpu() but was created outside"),
          e.getMessage());
    }
  }
}
