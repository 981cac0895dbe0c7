package org.flowlab.plugins.realnvp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.flowlab.core.cli.CliProcess;
import org.flowlab.core.tracking.LocalRunStore;
import org.flowlab.core.tracking.MlflowServer;
import org.flowlab.core.tracking.RunSummary;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sweep.launcher: slurm} on a real one-node Slurm cluster ({@code scripts/slurm-one-node}):
 * an 8-trial sweep as one job array; one trial cancelled with {@code scancel} mid-training and the
 * host killed with {@code kill -9}; a rerun submits only what is missing and ends with exactly 8
 * FINISHED children, locally and on a real MLflow server, the cancelled trial continued from its
 * checkpoint to the metrics of an uninterrupted run of the same trial, bit for bit. Slurm's
 * refusals are one line.
 */
class RealNvpSlurmSweepTest {
  @RegisterExtension static final MlflowServer MLFLOW = new MlflowServer();

  private static final String INSTALL =
      "apt-get install -y slurm-wlm munge && scripts/slurm-one-node";
  private static final String SWEEP =
      """
      name: slurm
      seed: 13
      data: {name: 8gaussians, train_size: 1000, val_size: 200, test_size: 500}
      model:
        family: realnvp
        params: {couplings: 2, hidden: [8, 8]}
      training:
        device: cpu
        batch_size: 64
        steps: 600
        optimizer: {lr: 3.0e-3}
        checkpoint_every: 100
        validate_every: 100
        log_every: 10
      evaluation: {samples: 200, grid_size: 20}
      sweep:
        grid:
          training.optimizer.lr: [2.0e-3, 4.0e-3]
          model.params.couplings: [2, 3]
        seeds: [0, 1]
        launcher: slurm
        slurm: {cpus_per_task: 1, mem: 1500M, max_concurrent: 2, poll_seconds: 1}
      """;

  @TempDir Path tmp;

  @BeforeAll
  static void slurmRuns() throws Exception {
    String why = null;
    try {
      Process p = new ProcessBuilder("sinfo", "-h", "-o", "%t").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      p.waitFor(30, TimeUnit.SECONDS);
      if (p.exitValue() != 0 || !out.matches("(?s).*(idle|mix|alloc).*")) {
        why = "no Slurm node is up (sinfo: " + out + ")";
      }
    } catch (IOException e) {
      why = "Slurm is not installed (" + e.getMessage() + ")";
    }
    if (why != null) {
      if ("true".equals(System.getenv("CI"))) {
        fail(why + ": " + INSTALL);
      }
      Assumptions.abort(why + ": " + INSTALL);
    }
  }

  @Test
  void eightTrialsAsAJobArrayResumeAfterScancelAndKillNineWithoutDuplicates() throws Exception {
    Path config = tmp.resolve("sweep.yaml");
    Files.writeString(config, SWEEP);
    Path runs = tmp.resolve("runs");
    LocalRunStore store = new LocalRunStore(runs);
    String[] args = {
      "sweep", config.toString(), "tracking.uri=" + MLFLOW.uri(), "tracking.experiment=slurm-e2e"
    };
    Process host = CliProcess.dev(runs).start(tmp.resolve("log-a"), args);
    String jobId = null;
    try {
      // Wait for 2 finished trials and one that is training (it has logged a loss).
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
      RunSummary victim = null;
      while (victim == null && host.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(50);
        List<RunSummary> kids = childrenOrEmpty(store);
        long finished = kids.stream().filter(r -> is(r, "FINISHED")).count();
        if (finished >= 2) {
          victim =
              kids.stream()
                  .filter(r -> is(r, "RUNNING") && training(store, r))
                  .findFirst()
                  .orElse(null);
        }
      }
      String stdout = Files.readString(tmp.resolve("log-a/stdout.txt"));
      assertTrue(victim != null && host.isAlive(), "a trial trains while 2 finished: " + stdout);
      Matcher m = Pattern.compile("submitted job array (\\d+): 8 task\\(s\\)").matcher(stdout);
      assertTrue(m.find(), stdout);
      jobId = m.group(1);
      int trial = Integer.parseInt(victim.name().split("-")[1]);
      slurm("scancel", jobId + "_" + trial); // SIGTERM to the trial's JVM
      host.destroyForcibly().waitFor(); // kill -9 of the host: the array runs on

      RunSummary cancelled = victim;
      Path parentDir = store.runDir(cancelled.parentRunId());
      Path victimLog = parentDir.resolve("logs/" + cancelled.name() + ".log");
      waitFor(
          () ->
              is(store.run(cancelled.id()).orElseThrow(), "KILLED")
                  && Files.readString(victimLog).contains("stopped by SIGTERM after step"),
          "the cancelled trial is KILLED and its JVM said where it stopped");
      String firstLog = Files.readString(victimLog);
      Matcher stop = Pattern.compile("stopped by SIGTERM after step (\\d+)").matcher(firstLog);
      assertTrue(stop.find(), firstLog);
      long stoppedAt = Long.parseLong(stop.group(1));
      assertTrue(stoppedAt > 0 && stoppedAt < 600, "stopped mid-training: " + stoppedAt);

      // The rerun finds the tasks still in Slurm, submits only the rest, and waits for all.
      CliProcess.Result rerun = CliProcess.dev(runs).run(tmp.resolve("log-b"), args);
      assertEquals(0, rerun.exitCode(), rerun.stdout() + rerun.stderr());
      assertTrue(
          rerun.stdout().contains("continuing sweep " + cancelled.parentRunId()), rerun.stdout());
      Matcher plan =
          Pattern.compile(
                  "Slurm: (\\d+) trial\\(s\\) already queued or running.*, (\\d+) to submit")
              .matcher(rerun.stdout());
      assertTrue(plan.find(), rerun.stdout());
      int submitted = Integer.parseInt(plan.group(2));
      assertTrue(submitted >= 1 && submitted <= 6, "only missing trials submitted: " + submitted);

      List<RunSummary> kids = childrenOrEmpty(store);
      assertEquals(8, kids.size(), "exactly 8 children: " + kids);
      assertTrue(kids.stream().allMatch(r -> is(r, "FINISHED")), kids.toString());
      assertEquals(
          8, kids.stream().map(r -> r.tags().get("flowlab.trial_hash")).distinct().count());
      assertEquals(9, store.listRuns().size(), "one parent and 8 children, no duplicates");
      for (RunSummary k : kids) {
        String log = Files.readString(parentDir.resolve("logs/" + k.name() + ".log"));
        long tasks =
            log.lines().filter(l -> l.startsWith("== ") && l.contains("Slurm job")).count();
        long starts = log.lines().filter(l -> l.startsWith("starting trial")).count();
        assertEquals(1, starts, "one new run per trial: " + log);
        assertEquals(
            k.id().equals(cancelled.id()) ? 2 : 1, tasks, "one Slurm task per run of it: " + log);
      }
      String resumed = Files.readString(parentDir.resolve("logs/" + cancelled.name() + ".log"));
      assertTrue(resumed.contains("continuing " + cancelled.id()), resumed);
      assertTrue(resumed.contains("resuming at step " + stoppedAt + " of 600"), resumed);

      // The MLflow server: one parent, 8 FINISHED children linked to it, whichever task ran them.
      String experimentId =
          MLFLOW
              .get("/api/2.0/mlflow/experiments/get-by-name?experiment_name=slurm-e2e")
              .get("experiment")
              .get("experiment_id")
              .asText();
      JsonNode search =
          MLFLOW.post(
              "/api/2.0/mlflow/runs/search",
              Map.of("experiment_ids", List.of(experimentId), "max_results", 100));
      List<JsonNode> remote = new java.util.ArrayList<>();
      search.get("runs").forEach(remote::add);
      assertEquals(9, remote.size(), "no duplicate runs on the server");
      List<JsonNode> remoteKids =
          remote.stream()
              .filter(
                  r ->
                      MlflowServer.pairs(r.get("data").get("tags"))
                          .containsKey("mlflow.parentRunId"))
              .toList();
      assertEquals(8, remoteKids.size());
      for (JsonNode r : remoteKids) {
        assertEquals("FINISHED", r.get("info").get("status").asText(), r.toString());
      }

      // The same trial without interruption (as its task runs it: one intra-op thread).
      Path trialConfig = store.runDir(cancelled.id()).resolve("config.yaml");
      Path straight = tmp.resolve("straight");
      String threads = Optional.ofNullable(System.getenv("OMP_NUM_THREADS")).orElse("1");
      CliProcess.Result whole =
          CliProcess.dev(straight)
              .run(
                  tmp.resolve("log-c"),
                  Map.of("OMP_NUM_THREADS", threads, "MKL_NUM_THREADS", threads),
                  "run",
                  trialConfig.toString());
      assertEquals(0, whole.exitCode(), whole.stderr());
      RunSummary reference = new LocalRunStore(straight).listRuns().get(0);
      Map<String, Double> expected = evaluation(reference);
      assertTrue(expected.containsKey("test/nll"), expected.toString());
      assertEquals(expected, evaluation(store.run(cancelled.id()).orElseThrow()), "bitwise equal");
    } finally {
      host.destroyForcibly();
      if (jobId != null) {
        slurm("scancel", jobId);
        String array = jobId;
        waitFor(
            () -> slurmOutput("squeue", "--noheader", "--jobs=" + array).isBlank(), "tasks gone");
      }
    }
  }

  @Test
  void slurmsRefusalsAreOneLine() throws Exception {
    Path config = tmp.resolve("sweep.yaml");
    Files.writeString(config, SWEEP);
    CliProcess.Result partition =
        CliProcess.dev(tmp.resolve("runs"))
            .run(tmp.resolve("log-p"), "sweep", config.toString(), "sweep.slurm.partition=nope");
    assertEquals(2, partition.exitCode(), partition.stdout() + partition.stderr());
    assertEquals(1, partition.stderr().strip().lines().count(), partition.stderr());
    assertTrue(
        partition.stderr().startsWith("error: command line override 'sweep.slurm.partition=nope':")
            && partition.stderr().contains("sbatch: invalid partition specified: nope"),
        partition.stderr());

    CliProcess.Result missing =
        CliProcess.dev(tmp.resolve("runs-2"))
            .run(tmp.resolve("log-m"), Map.of("PATH", "/nonexistent"), "sweep", config.toString());
    assertEquals(2, missing.exitCode(), missing.stdout() + missing.stderr());
    assertTrue(
        missing
            .stderr()
            .strip()
            .matches(
                "error: .*sweep\\.yaml:\\d+:\\d+: sweep\\.launcher: slurm needs"
                    + " Slurm's commands on this machine: squeue is not installed or not on the PATH.*"),
        missing.stderr());
  }

  @Test
  void ctrlCOnAHostWithoutATerminalLeavesTheArrayRunningAndSaysSo() throws Exception {
    Path config = tmp.resolve("sweep.yaml");
    // The array is held pending (sbatch --begin) so it cannot finish before the interrupt arrives
    // (600-step trials did once: the host then exited 0); the finally block cancels it.
    Files.writeString(
        config,
        SWEEP.replace("poll_seconds: 1}", "poll_seconds: 1, extra: [\"--begin=now+1hour\"]}"));
    Process host =
        CliProcess.dev(tmp.resolve("runs")).start(tmp.resolve("log-i"), "sweep", config.toString());
    Path stdout = tmp.resolve("log-i/stdout.txt");
    String jobId = null;
    try {
      waitFor(
          () -> Files.readString(stdout).lines().anyMatch(l -> l.matches("Slurm: \\d+ queued, .*")),
          "the host waits on its array");
      Matcher m = Pattern.compile("submitted job array (\\d+)").matcher(Files.readString(stdout));
      assertTrue(m.find(), Files.readString(stdout));
      jobId = m.group(1);
      slurm("kill", "-INT", Long.toString(host.pid()));
      assertTrue(host.waitFor(2, TimeUnit.MINUTES));
      assertEquals(130, host.exitValue());
      assertTrue(
          Files.readString(stdout).contains("job array " + jobId + " keeps running in Slurm"),
          Files.readString(stdout));
      assertTrue(!slurmOutput("squeue", "--noheader", "--jobs=" + jobId).isBlank(), "still queued");
    } finally {
      host.destroyForcibly();
      if (jobId != null) {
        slurm("scancel", jobId);
        String array = jobId;
        waitFor(
            () -> slurmOutput("squeue", "--noheader", "--jobs=" + array).isBlank(), "tasks gone");
      }
    }
  }

  private static Map<String, Double> evaluation(RunSummary run) {
    return run.latestMetrics().entrySet().stream()
        .filter(e -> e.getKey().startsWith("test/") || e.getKey().startsWith("val/"))
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
  }

  private static boolean is(RunSummary r, String status) {
    return r.status().toString().equals(status);
  }

  private static boolean training(LocalRunStore store, RunSummary r) {
    try {
      return !store.metricHistory(r.id(), "train/loss").isEmpty();
    } catch (IOException notYet) {
      return false;
    }
  }

  private static List<RunSummary> childrenOrEmpty(LocalRunStore store) {
    try {
      return store.listRuns().stream().filter(r -> r.parentRunId() != null).toList();
    } catch (IOException notYet) {
      return List.of(); // a run folder being created
    }
  }

  private interface Check {
    boolean holds() throws Exception;
  }

  private static void waitFor(Check check, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (!check.holds()) {
      if (System.nanoTime() > deadline) {
        fail("timed out waiting until " + what);
      }
      Thread.sleep(50);
    }
  }

  private static String slurmOutput(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(60, TimeUnit.SECONDS);
    return p.exitValue() == 0 ? out : ""; // a job Slurm has forgotten: "Invalid job id"
  }

  private static void slurm(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(
        p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0,
        String.join(" ", command) + ": " + out);
  }
}
