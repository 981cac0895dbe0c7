package org.flowlab.core.train;

import ai.djl.Device;
import ai.djl.engine.Engine;

/** Maps the YAML {@code training.device} to a DJL device. */
public final class Devices {
  private Devices() {}

  /**
   * {@code auto}: the first GPU when DJL sees one, else the CPU. {@code cpu}. {@code gpu} / {@code
   * gpu:N}: that GPU, or an error naming how many GPUs DJL sees.
   */
  public static Device resolve(String spec) {
    int gpus = Engine.getInstance().getGpuCount();
    if (spec.equals("auto")) {
      return gpus > 0 ? Device.gpu(0) : Device.cpu();
    }
    if (spec.equals("cpu")) {
      return Device.cpu();
    }
    int index = spec.equals("gpu") ? 0 : Integer.parseInt(spec.substring(4));
    if (index >= gpus) {
      throw new IllegalArgumentException(
          "device "
              + spec
              + " requested but DJL sees "
              + gpus
              + " GPU(s)"
              + (gpus == 0 ? "; use auto or cpu" : ""));
    }
    return Device.gpu(index);
  }
}
