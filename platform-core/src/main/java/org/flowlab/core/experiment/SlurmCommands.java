package org.flowlab.core.experiment;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Slurm's own client commands ({@code sbatch}, {@code squeue}, {@code sacct}, {@code scancel}) run
 * through {@link ProcessBuilder}; a failure is a {@link SlurmException}: Flowlab submits and
 * watches job arrays, it schedules nothing.
 */
final class SlurmCommands {
  private static final long TIMEOUT_SECONDS = 120;

  /**
   * One live (queued or running) array task.
   *
   * @param jobId the array's job id
   * @param index the task's array index (the trial's index)
   * @param state Slurm's state, e.g. {@code PENDING}, {@code RUNNING}
   * @param reason Slurm's reason for a pending task, e.g. {@code Resources}, or {@code None}
   */
  record Task(String jobId, int index, String state, String reason) {
    boolean queued() {
      return "PENDING".equals(state) || "REQUEUED".equals(state);
    }
  }

  /** A Slurm command that could not be started (not installed, not on the PATH). */
  static final class Missing extends IOException {
    Missing(String command, IOException cause) {
      super(command + " is not installed or not on the PATH (" + cause.getMessage() + ")", cause);
    }
  }

  /**
   * The array tasks Slurm still holds of jobs named {@code jobName} whose comment is {@code
   * comment} (the same sweep in the same runs folder), by array index.
   */
  Map<Integer, Task> liveTasks(String jobName, String comment) throws IOException {
    String text =
        run("squeue", "--noheader", "--array", "--name=" + jobName, "--format=%F|%K|%T|%r|%k");
    Map<Integer, Task> tasks = new LinkedHashMap<>();
    for (String line : text.lines().toList()) {
      String[] f = line.strip().split("\\|", -1);
      if (f.length == 5 && f[1].matches("\\d+") && f[4].strip().equals(comment)) {
        tasks.put(Integer.parseInt(f[1]), new Task(f[0], Integer.parseInt(f[1]), f[2], f[3]));
      }
    }
    return tasks;
  }

  /** Submits a batch script; returns the job id. */
  String submit(Path script) throws IOException {
    String text = run("sbatch", "--parsable", script.toString());
    List<String> lines =
        text.lines().map(String::strip).filter(l -> l.matches("\\d+(;.*)?")).toList();
    if (lines.isEmpty()) {
      throw new SlurmException("sbatch printed no job id: " + oneLine(text));
    }
    return lines.get(lines.size() - 1).split(";")[0];
  }

  /** Cancels jobs (whole arrays, or {@code job_index} tasks). */
  void cancel(List<String> jobIds) throws IOException {
    List<String> command = new ArrayList<>(List.of("scancel"));
    command.addAll(jobIds);
    run(command.toArray(String[]::new));
  }

  /**
   * How a finished task ended, from {@code sacct} ({@code State ExitCode Reason}), or null when
   * accounting is not there (a cluster without {@code slurmdbd}).
   */
  String finalState(String jobId, int index) {
    try {
      String text =
          run(
              "sacct",
              "--noheader",
              "--parsable2",
              "--allocations",
              "--jobs=" + jobId + "_" + index,
              "--format=State,ExitCode,Reason");
      return text.lines()
          .map(String::strip)
          .filter(l -> !l.isEmpty())
          .map(l -> l.replace('|', ' ').strip())
          .findFirst()
          .orElse(null);
    } catch (IOException noAccounting) {
      return null;
    }
  }

  private static String run(String... command) throws IOException {
    Process p;
    try {
      p =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .start();
    } catch (IOException e) {
      throw new Missing(command[0], e);
    }
    try {
      String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new SlurmException(command[0] + " did not answer in " + TIMEOUT_SECONDS + " s");
      }
      if (p.exitValue() != 0) {
        throw new SlurmException(
            oneLine(text.isBlank() ? command[0] + " exited " + p.exitValue() : text));
      }
      return text;
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException(command[0] + " interrupted", e);
    }
  }

  /**
   * Slurm's message on one line: its {@code error:} lines (without the {@code sbatch: error:}
   * prefix) joined, else every line.
   */
  static String oneLine(String text) {
    List<String> errors =
        text.lines()
            .map(String::strip)
            .filter(l -> l.contains("error:"))
            .map(l -> l.substring(l.indexOf("error:") + "error:".length()).strip())
            .toList();
    List<String> lines = errors.isEmpty() ? text.lines().map(String::strip).toList() : errors;
    return String.join("; ", lines.stream().filter(l -> !l.isEmpty()).toList());
  }
}
