package org.flowlab.api.estimate;

import ai.djl.ndarray.NDArray;
import org.flowlab.api.device.DeviceCheck;

/**
 * Hutchinson probes shaped like the array they probe, drawn from the engine generator on that
 * array's manager (so on its device), and checked there when the device check is on.
 */
public final class Probes {
  private Probes() {}

  /** Standard normal draws of {@code x}'s shape and type, on {@code x}'s device. */
  public static NDArray gaussian(NDArray x, String what) {
    NDArray probe = x.getManager().randomNormal(x.getShape()).toType(x.getDataType(), false);
    DeviceCheck.requireBeside(what, probe, x);
    return probe;
  }

  /**
   * Rademacher draws (±1 with equal chance) of {@code x}'s shape and type, on {@code x}'s device.
   */
  public static NDArray rademacher(NDArray x, String what) {
    NDArray signs =
        x.getManager().randomUniform(0, 1, x.getShape()).lt(0.5).toType(x.getDataType(), false);
    NDArray probe = signs.add(signs).sub(1);
    DeviceCheck.requireBeside(what, probe, x);
    return probe;
  }
}
