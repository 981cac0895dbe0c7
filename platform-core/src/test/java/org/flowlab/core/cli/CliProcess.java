package org.flowlab.core.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code flowlab} in a child JVM on the test classpath, as a user's shell would: real exit
 * codes, real stdout and stderr, and a process that can be killed with SIGKILL. Shipped in
 * platform-core's test-jar.
 */
public final class CliProcess {
  private final List<String> globalOptions;
  private final Map<String, String> environment;

  /**
   * The CLI a plugin's end-to-end test runs: {@code --dev} with this repository's {@code plugins/}
   * (the {@code flowlab.repo.root} property, else {@code ../..}) and {@code runs} as the runs
   * folder.
   */
  public static CliProcess dev(Path runs) {
    Path repo = Path.of(System.getProperty("flowlab.repo.root", "../.."));
    return new CliProcess(
        List.of(
            "--dev",
            "--plugins-dir",
            repo.resolve("plugins").toString(),
            "--runs-dir",
            runs.toString()));
  }

  /**
   * @param globalOptions options placed before the command, e.g. {@code --dev --runs-dir DIR}
   */
  public CliProcess(List<String> globalOptions) {
    this(globalOptions, Map.of());
  }

  /**
   * @param globalOptions options placed before the command
   * @param environment changes to this JVM's environment for the child: a null value removes the
   *     variable
   */
  public CliProcess(List<String> globalOptions, Map<String, String> environment) {
    this.globalOptions = List.copyOf(globalOptions);
    this.environment = new HashMap<>(environment);
  }

  /** A finished command. */
  public record Result(int exitCode, String stdout, String stderr) {}

  /** Starts {@code flowlab <args>} without waiting; output goes to files in {@code logDir}. */
  public Process start(Path logDir, String... args) throws IOException {
    return start(logDir, java.util.Map.of(), args);
  }

  /** Like {@link #start(Path, String...)} with {@code env} added to the environment. */
  public Process start(Path logDir, java.util.Map<String, String> env, String... args)
      throws IOException {
    List<String> command = new ArrayList<>();
    // Ctrl-C reaches the CLI as it does a user's: a shell that starts a job in the background
    // without job control (CI runners, nohup ... &) makes it ignore SIGINT, the child inherits
    // that,
    // and the JVM then installs no SIGINT handler at all.
    command.add("/usr/bin/env");
    command.add("--default-signal=INT");
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Dai.djl.offline=true");
    command.add("-Dsun.nio.PageAlignDirectMemory=true");
    command.add("-Xmx2g");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    command.addAll(globalOptions);
    command.addAll(List.of(args));
    Files.createDirectories(logDir);
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectOutput(logDir.resolve("stdout.txt").toFile())
            .redirectError(logDir.resolve("stderr.txt").toFile());
    environment.forEach(
        (name, value) -> {
          if (value == null) {
            builder.environment().remove(name);
          } else {
            builder.environment().put(name, value);
          }
        });
    builder.environment().putAll(env);
    return builder.start();
  }

  /** Runs {@code flowlab <args>} to the end (at most 5 minutes). */
  public Result run(Path logDir, String... args) throws IOException, InterruptedException {
    return run(logDir, java.util.Map.of(), args);
  }

  /** Like {@link #run(Path, String...)} with {@code env} added to the environment. */
  public Result run(Path logDir, java.util.Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    Process p = start(logDir, env, args);
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IllegalStateException(
          "flowlab " + String.join(" ", args) + " did not finish in 5 minutes");
    }
    return new Result(
        p.exitValue(),
        Files.readString(logDir.resolve("stdout.txt"), StandardCharsets.UTF_8),
        Files.readString(logDir.resolve("stderr.txt"), StandardCharsets.UTF_8));
  }
}
