package org.flowlab.core.experiment;

import java.io.Console;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.flowlab.core.config.LoadedConfig;
import org.flowlab.core.config.SweepConfig;
import org.flowlab.core.tracking.LocalRunStore;
import org.flowlab.core.tracking.RunSummary;
import org.flowlab.core.tracking.TrackedRun;
import org.flowlab.core.tracking.Tracker;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * {@code sweep.launcher: slurm}: one Slurm job array per submission, one array task per trial that
 * has neither finished nor a live task, the task's array index being the trial's index. Each task
 * runs the trial command the local launcher runs, in the shared runs folder, its output appended to
 * the parent run's {@code logs/<trial>.log} (Slurm's own to {@code logs/slurm-<job>_<i>.out}).
 *
 * <p>The job name {@code flowlab-<sweep hash>} finds the sweep's live tasks again ({@code squeue}),
 * so a rerun (after {@code kill -9} of the host, a {@code --detach}, a cancelled or preempted task)
 * submits only what is missing and never a second task for a trial. Tasks ask for {@code --requeue}
 * and {@code --signal=B:USR1@120}: a trial stopped by a time limit, preemption or {@code scancel}
 * checkpoints and is marked KILLED ({@code flowlab run}'s clean stop), and continues from there
 * when resubmitted. The host waits and prints progress (with Slurm's state and reason), or returns
 * at once with {@code --detach}.
 */
final class SlurmTrialLauncher implements TrialLauncher {
  private final SweepRunner.Launch launch;
  private final SweepConfig.SlurmConfig slurm;
  private final String sweepHash;
  private final LocalRunStore store;
  private final LoadedConfig base;
  private final boolean detach;
  private final SlurmCommands commands = new SlurmCommands();

  /** Stands for the trial's options in the script's command line. */
  static final String TRIAL_OPTIONS = "<trial options>";

  SlurmTrialLauncher(
      SweepRunner.Launch launch,
      SweepConfig.SlurmConfig slurm,
      String sweepHash,
      LocalRunStore store,
      LoadedConfig base,
      boolean detach) {
    this.launch = launch;
    this.slurm = slurm;
    this.sweepHash = sweepHash;
    this.store = store;
    this.base = base;
    this.detach = detach;
  }

  /**
   * The comment every job array of the sweep carries: the sweep's hash and its parent run (the same
   * sweep in another runs folder is another one).
   */
  static String comment(String sweepHash, String parentRunId) {
    return "flowlab-sweep-" + sweepHash + "-parent-" + parentRunId;
  }

  /** The name every job array of the sweep carries. */
  static String jobName(String sweepHash) {
    return "flowlab-" + sweepHash.substring(0, 12);
  }

  @Override
  public Launched launch(
      List<SweepPlan.Trial> todo,
      Map<String, RunSummary> children,
      TrackedRun parent,
      int total,
      PrintStream out)
      throws Exception {
    if (todo.isEmpty()) {
      return new Launched(Map.of(), false);
    }
    String name = jobName(sweepHash);
    String comment = comment(sweepHash, parent.id());
    Map<Integer, SlurmCommands.Task> live = liveTasks(name, comment);
    List<SweepPlan.Trial> submit = todo.stream().filter(t -> !live.containsKey(t.index())).toList();
    Set<String> jobIds = new LinkedHashSet<>();
    live.values().forEach(t -> jobIds.add(t.jobId()));
    Path logs = parent.dir().resolve("logs");
    Files.createDirectories(logs);
    out.printf(
        Locale.ROOT,
        "Slurm: %d trial(s) already queued or running%s, %d to submit as job %s%n",
        todo.size() - submit.size(),
        jobIds.isEmpty() ? "" : " (job " + String.join(", ", jobIds) + ")",
        submit.size(),
        name);
    if (!submit.isEmpty()) {
      Path dir = parent.dir().resolve("slurm");
      Files.createDirectories(dir);
      String stamp = Instant.now().truncatedTo(ChronoUnit.MILLIS).toString().replace(":", "");
      Path file = dir.resolve("array-" + stamp + ".sh");
      String text =
          script(
              name,
              sweepHash,
              parent.id(),
              slurm,
              submit,
              logs,
              Path.of("").toAbsolutePath(),
              SweepTrialProcess.command(launch, List.of(TRIAL_OPTIONS)));
      Files.writeString(file, text, StandardCharsets.UTF_8);
      String jobId = submit(file);
      jobIds.add(jobId);
      out.printf(
          Locale.ROOT,
          "submitted job array %s: %d task(s), trials %s; logs in %s%n",
          jobId,
          submit.size(),
          submit.stream().map(t -> Integer.toString(t.index())).collect(Collectors.joining(",")),
          logs);
    }
    if (detach) {
      out.println(
          "detached: the trials run on in Slurm; the same flowlab sweep command shows their"
              + " progress and writes the summary");
      return new Launched(Map.of(), true);
    }
    SignalHandler[] previous = onInterruptLeaveOrCancel(jobIds, out);
    try {
      return new Launched(await(name, comment, todo, parent, total, out), false);
    } finally {
      Signal.handle(new Signal("INT"), previous[0]);
      Signal.handle(new Signal("TERM"), previous[1]);
    }
  }

  /** Waits until no trial of {@code watched} has a live task; prints progress when it changes. */
  private Map<Integer, String> await(
      String name,
      String comment,
      List<SweepPlan.Trial> watched,
      TrackedRun parent,
      int total,
      PrintStream out)
      throws IOException, InterruptedException {
    Map<Integer, String> noRun = new ConcurrentHashMap<>();
    Map<Integer, SlurmCommands.Task> seen = new TreeMap<>();
    String lastLine = null;
    while (true) {
      Map<Integer, SlurmCommands.Task> live = liveTasks(name, comment);
      Map<String, RunSummary> kids = SweepRunner.children(store, parent.id(), watched);
      int queued = 0;
      int running = 0;
      int finished = 0;
      int unfinished = 0;
      List<String> pending = new ArrayList<>();
      for (SweepPlan.Trial t : watched) {
        SlurmCommands.Task task = live.get(t.index());
        RunSummary run = kids.get(t.hash());
        if (task != null) {
          seen.put(t.index(), task);
          if (task.queued()) {
            queued++;
            pending.add(t.index() + " " + task.state() + " (" + task.reason() + ")");
          } else {
            running++;
          }
          continue;
        }
        if (run != null && run.status() == Tracker.Status.FINISHED) {
          finished++;
        } else {
          unfinished++;
        }
        SlurmCommands.Task ended = seen.remove(t.index());
        if (ended != null) {
          report(t, ended, run, parent, total, out, noRun);
        }
      }
      String line =
          String.format(
              Locale.ROOT,
              "Slurm: %d queued, %d running, %d finished, %d ended unfinished",
              queued,
              running,
              finished,
              unfinished);
      if (!pending.isEmpty()) {
        line +=
            "; pending trials: "
                + String.join(", ", pending.subList(0, Math.min(4, pending.size())))
                + (pending.size() > 4 ? ", ..." : "");
      }
      if (!line.equals(lastLine)) {
        TrialLauncher.println(out, line);
        lastLine = line;
      }
      if (queued + running == 0) {
        for (SweepPlan.Trial t : watched) {
          if (kids.get(t.hash()) == null) {
            noRun.putIfAbsent(
                t.index(), "no run: see " + parent.dir().resolve("logs") + " (slurm-*.out)");
          }
        }
        return noRun;
      }
      Thread.sleep(slurm.pollSeconds() * 1000L);
    }
  }

  /** One line for a trial whose task left Slurm's queue. */
  private void report(
      SweepPlan.Trial t,
      SlurmCommands.Task ended,
      RunSummary run,
      TrackedRun parent,
      int total,
      PrintStream out,
      Map<Integer, String> noRun)
      throws IOException {
    String prefix = String.format(Locale.ROOT, "[trial %d/%d] ", t.index() + 1, total);
    if (run != null && run.status() == Tracker.Status.FINISHED) {
      TrialLauncher.println(out, prefix + "finished (run " + run.id() + ")");
      return;
    }
    String state = commands.finalState(ended.jobId(), t.index());
    Path log = parent.dir().resolve("logs").resolve(t.runName() + ".log");
    String why = lastError(log);
    String status = run == null ? "no run" : run.status().toString();
    TrialLauncher.println(
        out,
        prefix
            + "ended unfinished in Slurm job "
            + ended.jobId()
            + "_"
            + t.index()
            + (state == null ? "" : " (" + state + ")")
            + ": "
            + status
            + (why == null ? "" : ", " + why)
            + (run == null || run.status() == Tracker.Status.FAILED
                ? ""
                : "; a rerun continues it from its checkpoint"));
    if (run == null) {
      noRun.put(t.index(), why != null ? why : "Slurm task ended without a run (see " + log + ")");
    }
  }

  /** The last {@code error:} or {@code stopped by} line of the log's last attempt, or null. */
  private static String lastError(Path log) throws IOException {
    if (!Files.exists(log)) {
      return null;
    }
    String last = null;
    for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
      if (line.startsWith("== ")) {
        last = null;
      } else if (line.startsWith("error: ")) {
        last = line.substring("error: ".length());
      } else if (line.startsWith("stopped by SIG")) {
        last = line;
      }
    }
    return last;
  }

  /**
   * Ctrl-C (or SIGTERM) while waiting: at a terminal, asks whether to cancel the job arrays; else
   * leaves them running and says so. Returns the handlers to restore.
   */
  private SignalHandler[] onInterruptLeaveOrCancel(Set<String> jobIds, PrintStream out) {
    SignalHandler handler =
        signal -> {
          String ids = String.join(" ", jobIds);
          Console console = System.console();
          if (console != null && "INT".equals(signal.getName())) {
            String answer =
                console.readLine("%ncancel the sweep's Slurm job array %s (scancel)? [y/N] ", ids);
            if (answer != null && answer.strip().toLowerCase(Locale.ROOT).startsWith("y")) {
              try {
                commands.cancel(List.copyOf(jobIds));
                TrialLauncher.println(out, "cancelled job array " + ids);
              } catch (IOException e) {
                TrialLauncher.println(out, "error: scancel " + ids + ": " + e.getMessage());
              }
              System.exit(130);
            }
          }
          TrialLauncher.println(
              out,
              "stopped waiting: job array "
                  + ids
                  + " keeps running in Slurm; the same flowlab sweep command follows it again and"
                  + " writes the summary (scancel "
                  + ids
                  + " cancels it)");
          System.exit("INT".equals(signal.getName()) ? 130 : 143);
        };
    return new SignalHandler[] {
      Signal.handle(new Signal("INT"), handler), Signal.handle(new Signal("TERM"), handler)
    };
  }

  private Map<Integer, SlurmCommands.Task> liveTasks(String name, String comment)
      throws IOException {
    try {
      return commands.liveTasks(name, comment);
    } catch (SlurmCommands.Missing e) {
      throw base.invalidValue(
          "sweep.launcher", "slurm needs Slurm's commands on this machine: " + e.getMessage());
    }
  }

  /** Submits the script; Slurm's refusal becomes a located error (exit 2) or a failure (exit 1). */
  private String submit(Path script) throws IOException {
    try {
      return commands.submit(script);
    } catch (SlurmCommands.Missing e) {
      throw base.invalidValue(
          "sweep.launcher", "slurm needs Slurm's commands on this machine: " + e.getMessage());
    } catch (SlurmException e) {
      String m = e.getMessage().toLowerCase(Locale.ROOT);
      for (String key : List.of("partition", "account", "qos")) {
        if (m.contains(key)) {
          throw base.invalidValue("sweep.slurm." + key, "sbatch: " + e.getMessage());
        }
      }
      if (m.contains("time limit")) {
        throw base.invalidValue("sweep.slurm.time", "sbatch: " + e.getMessage());
      }
      if (m.contains("gres") || m.contains("generic resource")) {
        throw base.invalidValue("sweep.slurm.gpus", "sbatch: " + e.getMessage());
      }
      throw new SlurmException("sbatch rejected the job array: " + e.getMessage());
    }
  }

  /**
   * The batch script of one job array: {@code #SBATCH} lines from {@code sweep.slurm}, then a case
   * per trial that sets its options and log, then the trial command (in which {@link
   * #TRIAL_OPTIONS} stands for the trial's options), {@code exec}ed: the task's process is the JVM
   * itself, so Slurm's signals reach its clean stop.
   */
  static String script(
      String jobName,
      String sweepHash,
      String parentRunId,
      SweepConfig.SlurmConfig c,
      List<SweepPlan.Trial> trials,
      Path logs,
      Path workDir,
      List<String> command) {
    StringBuilder sb = new StringBuilder("#!/bin/bash\n");
    sb.append("# flowlab sweep ")
        .append(sweepHash)
        .append(", parent run ")
        .append(parentRunId)
        .append(": one array task per trial, the array index is the trial's index\n");
    List<String> options = new ArrayList<>();
    options.add("--job-name=" + jobName);
    options.add("--comment=" + comment(sweepHash, parentRunId));
    options.add(
        "--array="
            + trials.stream().map(t -> Integer.toString(t.index())).collect(Collectors.joining(","))
            + (c.maxConcurrent() == null ? "" : "%" + c.maxConcurrent()));
    options.add("--chdir=" + workDir);
    options.add("--output=" + logs.toAbsolutePath() + "/slurm-%A_%a.out");
    options.add("--open-mode=append");
    options.add("--requeue");
    options.add("--signal=B:USR1@120");
    options.add("--cpus-per-task=" + c.cpusPerTask());
    if (c.partition() != null) {
      options.add("--partition=" + c.partition());
    }
    if (c.time() != null) {
      options.add("--time=" + c.time());
    }
    if (c.mem() != null) {
      options.add("--mem=" + c.mem());
    }
    if (c.gpus() > 0) {
      options.add("--gres=gpu:" + c.gpus());
    }
    if (c.account() != null) {
      options.add("--account=" + c.account());
    }
    if (c.qos() != null) {
      options.add("--qos=" + c.qos());
    }
    for (String o : options) {
      sb.append("#SBATCH ").append(o).append('\n');
    }
    for (String extra : c.extra()) {
      String line = extra.strip();
      sb.append(line.startsWith("#SBATCH") ? line : "#SBATCH " + line).append('\n');
    }
    String threads = Integer.toString(c.cpusPerTask());
    sb.append("export OMP_NUM_THREADS=\"${OMP_NUM_THREADS:-").append(threads).append("}\"\n");
    sb.append("export MKL_NUM_THREADS=\"${MKL_NUM_THREADS:-").append(threads).append("}\"\n");
    sb.append("case \"$SLURM_ARRAY_TASK_ID\" in\n");
    for (SweepPlan.Trial t : trials) {
      sb.append("  ").append(t.index()).append(")\n    trial=(");
      sb.append(
          SweepTrialProcess.trialOptions(t, parentRunId).stream()
              .map(SlurmTrialLauncher::quote)
              .collect(Collectors.joining(" ")));
      sb.append(")\n    log=")
          .append(quote(logs.toAbsolutePath().resolve(t.runName() + ".log").toString()))
          .append("\n    ;;\n");
    }
    sb.append(
        "  *) echo \"flowlab: no trial $SLURM_ARRAY_TASK_ID in this array\" >&2; exit 2 ;;\n");
    sb.append("esac\n");
    sb.append(
        "echo \"== $(date -u +%Y-%m-%dT%H:%M:%SZ) Slurm job ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"
            + " on $(hostname) (restart ${SLURM_RESTART_COUNT:-0}), OMP_NUM_THREADS=$OMP_NUM_THREADS"
            + " MKL_NUM_THREADS=$MKL_NUM_THREADS\" >> \"$log\"\n");
    sb.append("exec");
    for (String arg : command) {
      sb.append(' ').append(arg.equals(TRIAL_OPTIONS) ? "\"${trial[@]}\"" : quote(arg));
    }
    sb.append(" >> \"$log\" 2>&1\n");
    return sb.toString();
  }

  /** A word for bash, single-quoted. */
  static String quote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }
}
