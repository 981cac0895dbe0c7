package org.flowlab.core.cli;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.cuda.CudaUtils;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.flowlab.core.plugins.PluginHost;
import org.flowlab.core.plugins.PluginSummary;
import org.flowlab.core.runtime.Libtorch;
import org.flowlab.core.runtime.LibtorchRuntime;
import org.flowlab.core.runtime.LoadedNatives;
import org.flowlab.core.runtime.NvidiaDriver;
import org.flowlab.core.train.Devices;
import org.flowlab.core.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/**
 * {@code flowlab doctor}: loads the engine (the proof that libtorch links) and prints, on one
 * screen, what a bug report needs: versions, where libtorch came from and why, the JNI flavour, the
 * CUDA devices, the ONNX Runtime providers that load, threads, buffers and plugins.
 */
@Command(
    name = "doctor",
    mixinStandardHelpOptions = true,
    description =
        "Load the engine and show versions, where libtorch came from, CUDA devices, ONNX Runtime"
            + " providers, threads and plugins.")
final class DoctorCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Override
  public Integer call() {
    Libtorch chosen = LibtorchRuntime.current();
    Engine engine = Engine.getInstance();
    LoadedNatives loaded = LoadedNatives.ofThisProcess();
    line("flowlab", "0.1.0 on Java " + System.getProperty("java.version"));
    line(
        "engine",
        engine.getEngineName() + " " + engine.getVersion() + ", DJL " + Engine.getDjlVersion());
    line("libtorch", chosen.version() + " from " + folder(chosen));
    line("  why", chosen.reason() + " (source: " + chosen.source() + ")");
    if (chosen.loadFolder() != null && !chosen.loadFolder().equals(chosen.folder())) {
      line(
          "  links",
          chosen.loadFolder()
              + " (what DJL loads: the folder without the libraries"
              + " that cannot load here)");
    }
    line(
        "  loaded",
        loaded.libtorch() == null ? "unknown (no /proc/self/maps)" : loaded.libtorch().toString());
    line(
        "JNI",
        (loaded.jniFlavor() == null ? chosen.flavor() : loaded.jniFlavor())
            + (loaded.jni() == null ? "" : " (" + loaded.jni() + ")"));
    String driver = NvidiaDriver.find(System.getenv());
    line("NVIDIA driver", driver == null ? "none found" : driver);
    int gpus = engine.getGpuCount();
    line("CUDA devices", gpus == 0 ? "none seen by the engine" : String.valueOf(gpus));
    List<String> names = gpuNames();
    for (int i = 0; i < gpus; i++) {
      line("  gpu:" + i, (i < names.size() ? names.get(i) + ", " : "") + memory(i));
    }
    line("ONNX Runtime", onnxRuntime());
    line(
        "threads",
        "intra-op "
            + JniUtils.getNumThreads()
            + ", inter-op "
            + JniUtils.getNumInteropThreads()
            + ", cores "
            + Runtime.getRuntime().availableProcessors()
            + ", OMP_NUM_THREADS="
            + System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"));
    line(
        "page-aligned buffers",
        Trainer.bitwiseReproducible()
            ? "on (-Dsun.nio.PageAlignDirectMemory=true)"
            : "OFF: CPU results are not bitwise reproducible (use the ./flowlab launcher)");
    line("device check", System.getProperty("flowlab.device.check", "false"));
    PluginHost host = main.injector().getInstance(PluginHost.class);
    List<String> plugins = new ArrayList<>();
    for (PluginSummary p : host.plugins()) {
      plugins.add(p.id() + " " + p.version() + (p.failed() ? " (FAILED: " + p.error() + ")" : ""));
    }
    for (PluginSummary p : host.failures()) {
      plugins.add(p.id() + " (FAILED: " + p.error() + ")");
    }
    line("plugins", plugins.isEmpty() ? "none" : String.join(", ", plugins));
    return 0;
  }

  private static void line(String key, String value) {
    System.out.printf("%-21s %s%n", key, value);
  }

  private static String folder(Libtorch chosen) {
    return chosen.folder() == null
        ? "the bundled CPU natives (pytorch-native-cpu)"
        : chosen.folder().toString();
  }

  private static String memory(int gpu) {
    try {
      MemoryUsage m = CudaUtils.getGpuMemory(Devices.resolve("gpu:" + gpu));
      return String.format(
          "%.1f GiB total, %.1f GiB used, compute capability %s",
          m.getMax() / 1073741824.0,
          m.getUsed() / 1073741824.0,
          CudaUtils.getComputeCapability(gpu));
    } catch (RuntimeException | LinkageError e) {
      return "memory unknown (" + e.getMessage() + ")";
    }
  }

  /** GPU model names from the driver's {@code /proc} files, in bus order. */
  private static List<String> gpuNames() {
    Path gpus = Path.of("/proc/driver/nvidia/gpus");
    List<String> names = new ArrayList<>();
    if (!Files.isDirectory(gpus)) {
      return names;
    }
    try (Stream<Path> dirs = Files.list(gpus)) {
      for (Path dir : dirs.sorted().toList()) {
        for (String l : Files.readAllLines(dir.resolve("information"))) {
          if (l.startsWith("Model:")) {
            names.add(l.substring("Model:".length()).strip());
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      return names;
    }
    return names;
  }

  /** The version and each provider compiled in, with whether it loads here. */
  private static String onnxRuntime() {
    try {
      OrtEnvironment env = OrtEnvironment.getEnvironment();
      List<String> providers = new ArrayList<>();
      for (OrtProvider p : OrtEnvironment.getAvailableProviders()) {
        providers.add(p.name() + " " + loads(p));
      }
      return env.getVersion() + ": " + String.join(", ", providers);
    } catch (RuntimeException | LinkageError e) {
      return "does not load: " + e.getMessage();
    }
  }

  private static String loads(OrtProvider provider) {
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      switch (provider) {
        case CUDA -> options.addCUDA(0);
        case TENSOR_RT -> options.addTensorrt(0);
        case CPU -> options.addCPU(true);
        default -> {
          return "(not tried)";
        }
      }
      return "loads";
    } catch (ai.onnxruntime.OrtException | RuntimeException | LinkageError e) {
      String m = String.valueOf(e.getMessage());
      int nl = m.indexOf('\n');
      return "does not load (" + (nl < 0 ? m : m.substring(0, nl)) + ")";
    }
  }
}
