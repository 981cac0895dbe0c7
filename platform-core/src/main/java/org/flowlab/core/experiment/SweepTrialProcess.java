package org.flowlab.core.experiment;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs sweep trials in child JVMs, one per trial: two trials computing side by side in one JVM are
 * not bitwise reproducible (the engine's random generator is global and CPU kernels keep per-thread
 * state), separate processes are.
 *
 * <p>A child is {@code java} with this JVM's options (among them the page-aligned direct memory
 * that bitwise reproducibility needs), classpath and global CLI options, running the hidden {@code
 * sweep-trial} command; its output goes to a log file, its intra-op threads are {@code
 * OMP_NUM_THREADS = MKL_NUM_THREADS = max(1, cores / workers)} unless those are set already. It
 * watches the host's pid and exits within about a second when the host dies (also by {@code kill
 * -9}), leaving its last checkpoint for a rerun; a host stopped by a signal (Ctrl-C, SIGTERM) stops
 * its children first. On a machine with several GPUs, trials take turns on them ({@link
 * TrialGpus}).
 */
final class SweepTrialProcess implements AutoCloseable {
  /** Exit code of a child that stopped because its host died. */
  static final int HOST_GONE = 3;

  private final SweepRunner.Launch launch;
  private final int threads;
  private final Set<Process> live = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final Thread hook = new Thread(this::stopAll, "flowlab-sweep-stop");
  private final int gpuCount = ai.djl.util.cuda.CudaUtils.getGpuCount();

  /**
   * Registers the shutdown hook that stops the children.
   *
   * @param launch how to start the CLI again
   * @param workers how many children run at once
   */
  SweepTrialProcess(SweepRunner.Launch launch, int workers) {
    this.launch = launch;
    this.threads = threadsPerTrial(workers);
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /**
   * Intra-op threads per child: the cores shared among the workers, at least one (or {@code
   * OMP_NUM_THREADS} when set).
   */
  static int threadsPerTrial(int workers) {
    try {
      return Math.max(1, Integer.parseInt(System.getenv().getOrDefault("OMP_NUM_THREADS", "")));
    } catch (NumberFormatException unset) {
      return Math.max(1, Runtime.getRuntime().availableProcessors() / workers);
    }
  }

  /** Intra-op threads each child gets (OpenMP's; MKL's too unless MKL_NUM_THREADS is set). */
  int threads() {
    return threads;
  }

  /** True once the host is being stopped by a signal: children were stopped, not failed. */
  boolean stopping() {
    return stopping.get();
  }

  /**
   * Runs one trial in a child JVM and waits for it.
   *
   * @param log the trial's log file (appended: a continued trial keeps its earlier output)
   * @return null when the child finished the trial, else why not (its last {@code error:} line, or
   *     its exit code)
   */
  String run(SweepPlan.Trial trial, String existingRunId, String parentRunId, Path log)
      throws IOException, InterruptedException {
    List<String> options = new ArrayList<>(trialOptions(trial, parentRunId));
    options.addAll(List.of("--host-pid", Long.toString(ProcessHandle.current().pid())));
    if (existingRunId != null) {
      options.add("--run");
      options.add(existingRunId);
    }
    List<String> command = command(launch, options);

    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Map<String, String> env = builder.environment();
    env.putIfAbsent("OMP_NUM_THREADS", Integer.toString(threads));
    env.putIfAbsent("MKL_NUM_THREADS", Integer.toString(threads));
    String gpu =
        TrialGpus.visibleDevices(
            trial.index(),
            trial.config().config().training().device(),
            gpuCount,
            System.getenv("CUDA_VISIBLE_DEVICES"));
    if (gpu != null) {
      env.put("CUDA_VISIBLE_DEVICES", gpu);
    }
    Files.createDirectories(log.getParent());
    Files.writeString(
        log,
        "== "
            + Instant.now()
            + (existingRunId == null ? " starting" : " continuing " + existingRunId)
            + " trial "
            + trial.index()
            + " "
            + trial.values()
            + ", OMP_NUM_THREADS="
            + env.get("OMP_NUM_THREADS")
            + " MKL_NUM_THREADS="
            + env.get("MKL_NUM_THREADS")
            + (gpu == null ? "" : " CUDA_VISIBLE_DEVICES=" + gpu)
            + "\n",
        StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
    long offset = Files.size(log);
    if (stopping.get()) {
      return "stopped";
    }
    Process p = builder.start();
    live.add(p);
    try {
      if (stopping.get()) {
        p.destroyForcibly();
      }
      int code = p.waitFor();
      return code == 0 ? null : failure(log, offset, code);
    } catch (InterruptedException e) {
      p.destroyForcibly();
      throw e;
    } finally {
      live.remove(p);
    }
  }

  /**
   * The command line that runs one trial: {@code java <this JVM's options> -cp <classpath>
   * <mainClass> <globalOptions> sweep-trial <trialOptions> -- <yaml> <overrides>}; the local
   * launcher and Slurm's array tasks run the same one.
   */
  static List<String> command(SweepRunner.Launch launch, List<String> trialOptions) {
    List<String> command = new ArrayList<>();
    command.add(
        ProcessHandle.current()
            .info()
            .command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (!arg.startsWith("-agentlib:jdwp") && !arg.startsWith("-Xrunjdwp")) {
        command.add(arg); // a debugger's port can be taken once only
      }
    }
    command.addAll(org.flowlab.core.runtime.LibtorchRuntime.childJvmFlags()); // same libtorch
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(launch.mainClass());
    command.addAll(launch.globalOptions());
    command.add(SweepRunner.TRIAL_COMMAND);
    command.addAll(trialOptions);
    command.add("--");
    command.add(launch.yaml().toString());
    command.addAll(launch.overrides());
    return command;
  }

  /** The options naming the trial: {@code --trial I --trial-hash H --parent P}. */
  static List<String> trialOptions(SweepPlan.Trial trial, String parentRunId) {
    return List.of(
        "--trial",
        Integer.toString(trial.index()),
        "--trial-hash",
        trial.hash(),
        "--parent",
        parentRunId);
  }

  /** The child's last {@code error:} line since {@code offset}, else its exit code. */
  static String failure(Path log, long offset, int code) throws IOException {
    String text;
    try (InputStream in = Files.newInputStream(log)) {
      in.skipNBytes(offset);
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    String last = null;
    for (String line : text.lines().toList()) {
      if (line.startsWith("error: ")) {
        last = line.substring("error: ".length());
      }
    }
    return last != null ? last : "trial process exited with code " + code + " (see " + log + ")";
  }

  /**
   * Stops the running children with SIGKILL, as their watchdog would: they keep their last
   * checkpoint. (A JVM told to exit by SIGTERM while libtorch computes can crash in libtorch's exit
   * and leave an hs_err file behind.)
   */
  private void stopAll() {
    stopping.set(true);
    for (Process p : live) {
      p.destroyForcibly();
    }
    for (Process p : live) {
      try {
        p.waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Removes the shutdown hook once the sweep is over (all children have exited). */
  @Override
  public void close() {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or has run
    }
  }

  /**
   * In a child: exits (without running anything further) within about 250 ms of the host's death,
   * noticed as the host's pid no longer being this process's live parent. Training state is on disk
   * as the last checkpoint; the run stays RUNNING, so a rerun of the sweep continues it.
   */
  static void exitWhenHostDies(long hostPid) {
    Thread watchdog =
        new Thread(
            () -> {
              while (true) {
                boolean alive =
                    ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L) == hostPid
                        && ProcessHandle.of(hostPid).map(ProcessHandle::isAlive).orElse(false);
                if (!alive) {
                  System.err.println(
                      "error: the sweep host (pid "
                          + hostPid
                          + ") is gone: stopping; rerun the sweep to continue from the last"
                          + " checkpoint");
                  System.err.flush();
                  Runtime.getRuntime().halt(HOST_GONE);
                }
                try {
                  Thread.sleep(250);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "flowlab-host-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }
}
