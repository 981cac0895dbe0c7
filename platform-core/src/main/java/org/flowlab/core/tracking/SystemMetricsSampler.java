package org.flowlab.core.tracking;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Logs system metrics under MLflow's own {@code system/} keys to every open run, from a background
 * daemon thread: CPU utilisation and memory (the JVM's view of the machine), and per GPU its
 * utilisation and memory when {@code nvidia-smi} is on the PATH. One sample at once, then one each
 * {@code interval} (MLflow's default is 10 s).
 */
final class SystemMetricsSampler {
  static final String CPU = "system/cpu_utilization_percentage";
  static final String MEMORY_MB = "system/system_memory_usage_megabytes";
  static final String MEMORY_PERCENT = "system/system_memory_usage_percentage";

  private final Supplier<Map<String, LocalRun>> openRuns;
  private final Duration interval;
  private final Map<String, AtomicLong> steps = new ConcurrentHashMap<>();
  private final Object signal = new Object();
  private Thread thread;
  private boolean stopping;
  private Boolean nvidiaSmi;

  SystemMetricsSampler(Supplier<Map<String, LocalRun>> openRuns, Duration interval) {
    this.openRuns = openRuns;
    this.interval = interval;
  }

  /** Starts the thread on first use (a sample is taken at once); later calls do nothing. */
  void ensureStarted() {
    synchronized (signal) {
      if (thread != null || stopping) {
        return;
      }
      thread = new Thread(this::loop, "flowlab-system-metrics");
      thread.setDaemon(true);
      thread.start();
    }
  }

  void stop() {
    synchronized (signal) {
      stopping = true;
      signal.notifyAll();
    }
  }

  private void loop() {
    while (true) {
      Map<String, Double> sample = sample();
      for (LocalRun run : openRuns.get().values()) {
        long step = steps.computeIfAbsent(run.id(), k -> new AtomicLong()).getAndIncrement();
        try {
          for (Map.Entry<String, Double> m : sample.entrySet()) {
            run.logMetric(m.getKey(), m.getValue(), step);
          }
        } catch (IOException | RuntimeException e) {
          // a run finishing meanwhile: its next sample simply does not come
        }
      }
      synchronized (signal) {
        long until = System.currentTimeMillis() + interval.toMillis();
        while (!stopping && System.currentTimeMillis() < until) {
          try {
            signal.wait(Math.max(1, until - System.currentTimeMillis()));
          } catch (InterruptedException e) {
            return;
          }
        }
        if (stopping) {
          return;
        }
      }
    }
  }

  private Map<String, Double> sample() {
    Map<String, Double> m = new LinkedHashMap<>();
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      double cpu = os.getCpuLoad();
      if (cpu >= 0) {
        m.put(CPU, 100 * cpu);
      }
      long total = os.getTotalMemorySize();
      long used = total - availableMemory(os.getFreeMemorySize());
      if (total > 0) {
        m.put(MEMORY_MB, used / 1e6);
        m.put(MEMORY_PERCENT, 100.0 * used / total);
      }
    }
    m.putAll(gpus());
    return m;
  }

  /** MemAvailable from /proc/meminfo (free plus reclaimable caches) where there is one. */
  private static long availableMemory(long free) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemAvailable:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return free;
  }

  /** Per GPU: utilisation % and memory used (MB), from nvidia-smi; empty without one. */
  private Map<String, Double> gpus() {
    Map<String, Double> m = new LinkedHashMap<>();
    if (Boolean.FALSE.equals(nvidiaSmi)) {
      return m;
    }
    try {
      Process p =
          new ProcessBuilder(
                  "nvidia-smi",
                  "--query-gpu=utilization.gpu,memory.used",
                  "--format=csv,noheader,nounits")
              .redirectErrorStream(true)
              .start();
      List<String> lines = new ArrayList<>();
      try (var in = p.getInputStream()) {
        new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().forEach(lines::add);
      }
      if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        nvidiaSmi = false;
        return m;
      }
      nvidiaSmi = true;
      for (int i = 0; i < lines.size(); i++) {
        String[] f = lines.get(i).split(",");
        if (f.length == 2) {
          m.put("system/gpu_" + i + "_utilization_percentage", Double.parseDouble(f[0].trim()));
          m.put("system/gpu_" + i + "_memory_usage_megabytes", Double.parseDouble(f[1].trim()));
        }
      }
    } catch (IOException | RuntimeException e) {
      nvidiaSmi = false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return m;
  }
}
