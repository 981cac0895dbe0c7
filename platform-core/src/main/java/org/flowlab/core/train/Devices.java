package org.flowlab.core.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Maps the YAML {@code training.device} to a DJL device, opens the run's manager on it, and sets up
 * the threads that compute on it. The one host class (besides export, which works on the host on
 * purpose) that names a device: everything else creates arrays from the run's manager or from the
 * manager of an array already on the run's device (an ArchUnit rule holds this).
 */
public final class Devices {
  private Devices() {}

  /**
   * {@code auto}: the first GPU when DJL sees one, else the CPU. {@code cpu}. {@code gpu} / {@code
   * gpu:N}: that GPU.
   *
   * @throws IllegalArgumentException for {@code gpu}/{@code gpu:N} when no such GPU is visible,
   *     with one line that says what is here and what to do
   */
  public static Device resolve(String spec) {
    return resolve(spec, Engine.getInstance().getGpuCount());
  }

  /** {@link #resolve(String)} on a machine where DJL sees {@code gpus} GPUs. */
  static Device resolve(String spec, int gpus) {
    if (spec.equals("auto")) {
      return gpus > 0 ? Device.gpu(0) : Device.cpu();
    }
    if (spec.equals("cpu")) {
      return Device.cpu();
    }
    int index = spec.equals("gpu") ? 0 : Integer.parseInt(spec.substring(4));
    if (gpus == 0) {
      throw new IllegalArgumentException(
          spec
              + " asks for a GPU but none is here (DJL sees no CUDA device: no NVIDIA driver, or the"
              + " CPU libtorch is loaded); nothing was trained. Add training.device=cpu to train on"
              + " the CPU, or run on a GPU machine (flowlab doctor shows what DJL sees)");
    }
    if (index >= gpus) {
      throw new IllegalArgumentException(
          spec
              + " asks for GPU "
              + index
              + " but DJL sees "
              + gpus
              + " GPU(s), numbered 0 to "
              + (gpus - 1));
    }
    return Device.gpu(index);
  }

  /**
   * One line saying which device {@code spec} chose when that is not obvious from the YAML ({@code
   * auto}), or null.
   */
  public static String describeChoice(String spec, Device chosen) {
    if (!spec.equals("auto")) {
      return null;
    }
    return chosen.isGpu()
        ? "device: auto chose " + chosen + " (DJL sees a CUDA device)"
        : "device: auto chose cpu (no GPU seen)";
  }

  /**
   * Free memory on a GPU in bytes (CUDA's {@code cudaMemGetInfo}: memory PyTorch has cached counts
   * as used, so this errs low), or empty for the CPU or when the CUDA runtime cannot be asked.
   */
  public static java.util.OptionalLong freeMemory(Device device) {
    if (!device.isGpu()) {
      return java.util.OptionalLong.empty();
    }
    try {
      java.lang.management.MemoryUsage m = ai.djl.util.cuda.CudaUtils.getGpuMemory(device);
      return m.getMax() > 0
          ? java.util.OptionalLong.of(m.getMax() - m.getUsed())
          : java.util.OptionalLong.empty();
    } catch (RuntimeException | LinkageError e) {
      return java.util.OptionalLong.empty(); // no libcudart on the loader path: keep the CPU rule
    }
  }

  /**
   * The run's manager: every parameter, batch and temporary of a run is created under it (or under
   * the manager of an array created under it), so on {@code device}.
   */
  public static NDManager newRunManager(Device device) {
    return NDManager.newBaseManager(device);
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

  /**
   * Sets PyTorch's intra-op threads for a run on the CPU whose data have {@code event} shape,
   * unless the user chose them ({@code OMP_NUM_THREADS} in the environment, or DJL's {@code
   * ai.djl.pytorch.num_threads}): one thread for vector data, every core for images. Measured on
   * the idle 2-core machine ({@code OMP_NUM_THREADS=N ./flowlab bench ...}, two rounds each): the
   * quickstart (a vector model, bound by per-op overhead) runs 97.4 / 94.5 steps/s with one thread
   * and 83.8 / 83.8 with two; Glow on Fashion-MNIST runs 3.6 / 3.5 with one and 5.7 / 5.8 with two.
   *
   * <p>Call it on the thread that computes: MKL's count is kept per thread, and a count set on
   * another thread leaves the compute thread's elementwise kernels opening OpenMP regions (a planar
   * step 10× slower on a busy machine; {@code getNumThreads()} still says 1 there).
   *
   * @return the thread count set, or 0 when the user's choice (or a GPU run) was left alone
   */
  public static int applyThreadDefault(ai.djl.ndarray.types.Shape event, Device device) {
    if (!Device.Type.CPU.equals(device.getDeviceType())
        || System.getenv("OMP_NUM_THREADS") != null
        || System.getProperty("ai.djl.pytorch.num_threads") != null) {
      return 0;
    }
    int threads = defaultThreads(event, Runtime.getRuntime().availableProcessors());
    ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
    return threads;
  }

  /** One intra-op thread for vector data, {@code cores} for images and other shapes. */
  static int defaultThreads(ai.djl.ndarray.types.Shape event, int cores) {
    return event.dimension() == 1 ? 1 : Math.max(1, cores);
  }
}
