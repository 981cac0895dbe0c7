package org.flowlab.core.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Maps the YAML {@code training.device} to a DJL device, and sets up the threads that compute on
 * it.
 */
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

  /**
   * Turns autograd recording off on the calling thread; call it first on every thread the host
   * starts for tensor work. PyTorch starts each thread recording, and DJL turns recording off only
   * on the thread that loads the engine (a {@code GradientCollector} turns it on and restores it).
   * On a recording thread every evaluation keeps its whole autograd graph: an FFJORD test
   * evaluation (16k points, exact trace, ~35 dopri5 steps) grew by 300 MB per step and was
   * OOM-killed at 23 GB.
   */
  public static void stopRecordingGradients() {
    if ("PyTorch".equals(Engine.getInstance().getEngineName())) {
      JniUtils.setGradMode(false);
    }
  }

  /**
   * Whether autograd records on the calling thread (PyTorch's grad mode; false on other engines).
   */
  public static boolean recordsGradients() {
    return "PyTorch".equals(Engine.getInstance().getEngineName()) && JniUtils.isGradMode();
  }
}
