package org.flowlab.api.device;

/**
 * A tensor found off the run's device (or outside the run's manager) by {@link DeviceCheck}. Its
 * message is one line naming the tensor and the devices.
 */
public class DevicePlacementException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  /**
   * @param detail what is where, e.g. "parameter coupling.0.weight is on cpu(), the run is on
   *     gpu(0)"
   */
  public DevicePlacementException(String detail) {
    super("device check: " + detail);
  }
}
