package org.flowlab.api.device;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * The runtime device check, on when the JVM runs with {@code -Dflowlab.device.check=true} (the GPU
 * check script sets it): the host checks every parameter and batch against the run's manager,
 * estimators check every probe against the array it probes. A failed check throws {@link
 * DevicePlacementException} naming the tensor and both devices. Off (the default) each call costs
 * one system-property lookup (tens of nanoseconds, beside tensor ops of microseconds), read at
 * every call so that a test can switch it on and off.
 *
 * <p>Besides the device, the check follows each array's manager up to its root: an array whose root
 * is not the run's (a manager of its own) is on the right device only by luck — on a CPU-only
 * machine every device is the CPU, so the manager is what shows the mistake there.
 */
public final class DeviceCheck {
  /** The system property that switches the check on. */
  public static final String PROPERTY = "flowlab.device.check";

  private static final java.util.concurrent.atomic.AtomicLong PASSED =
      new java.util.concurrent.atomic.AtomicLong();

  private DeviceCheck() {}

  /** How many placements passed in this JVM: evidence that the check ran. */
  public static long passed() {
    return PASSED.get();
  }

  /** Whether this JVM checks placements ({@code -Dflowlab.device.check=true}). */
  public static boolean enabled() {
    return Boolean.getBoolean(PROPERTY);
  }

  /**
   * When the check is on: {@code array} (described by {@code what}, e.g. "parameter
   * coupling.0.weight") must be on {@code run}'s device and created under {@code run}.
   *
   * @throws DevicePlacementException when it is not
   */
  public static void requireOnRun(String what, NDArray array, NDManager run) {
    if (enabled()) {
      verifyOnRun(what, array, run);
    }
  }

  /**
   * When the check is on: {@code array} (e.g. a Hutchinson probe) must be on the device of {@code
   * reference} (the array it probes) and share its root manager.
   *
   * @throws DevicePlacementException when it is not
   */
  public static void requireBeside(String what, NDArray array, NDArray reference) {
    if (enabled()) {
      verifyBeside(what, array, reference);
    }
  }

  /** {@link #requireOnRun}, whether or not the check is on. */
  public static void verifyOnRun(String what, NDArray array, NDManager run) {
    if (!array.getDevice().equals(run.getDevice())) {
      throw new DevicePlacementException(
          what + " is on " + array.getDevice() + ", the run is on " + run.getDevice());
    }
    if (root(array.getManager()) != root(run)) {
      throw new DevicePlacementException(
          what
              + " is on "
              + array.getDevice()
              + " but was created outside the run's manager (under "
              + root(array.getManager()).getName()
              + "): create it from the run's manager or from x.getManager()");
    }
    PASSED.incrementAndGet();
  }

  /** {@link #requireBeside}, whether or not the check is on. */
  public static void verifyBeside(String what, NDArray array, NDArray reference) {
    if (!array.getDevice().equals(reference.getDevice())) {
      throw new DevicePlacementException(
          what + " is on " + array.getDevice() + ", its input on " + reference.getDevice());
    }
    if (root(array.getManager()) != root(reference.getManager())) {
      throw new DevicePlacementException(
          what
              + " is on "
              + array.getDevice()
              + " but was created outside its input's manager (under "
              + root(array.getManager()).getName()
              + "): create it from x.getManager()");
    }
    PASSED.incrementAndGet();
  }

  /** The base manager {@code manager} descends from (the child of the engine's system manager). */
  private static NDManager root(NDManager manager) {
    NDManager m = manager;
    while (m.getParentManager() != null && m.getParentManager().getParentManager() != null) {
      m = m.getParentManager();
    }
    return m;
  }
}
