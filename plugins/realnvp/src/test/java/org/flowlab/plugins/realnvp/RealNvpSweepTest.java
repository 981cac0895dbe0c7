package org.flowlab.plugins.realnvp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.flowlab.core.cli.CliProcess;
import org.flowlab.core.tracking.LocalRunStore;
import org.flowlab.core.tracking.MlflowServer;
import org.flowlab.core.tracking.RunSummary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flowlab sweep} and {@code flowlab reproduce} through the real CLI in child JVMs with the
 * RealNVP plugin from the source tree: a sweep on a real MLflow server killed with {@code kill -9}
 * (its trial JVMs exit by themselves) and rerun, two trials training side by side in their own JVMs
 * bitwise like one after the other, a sweep with a diverging trial, and a bitwise reproduction of a
 * trial.
 */
class RealNvpSweepTest {
  @RegisterExtension static final MlflowServer MLFLOW = new MlflowServer();

  private static final String BASE =
      """
      name: sw
      seed: 11
      data: {name: 8gaussians, train_size: 1000, val_size: 200, test_size: 500}
      model:
        family: realnvp
        params: {couplings: 2, hidden: [8, 8]}
      training:
        device: cpu
        batch_size: 64
        steps: %d
        optimizer: {lr: 3.0e-3}
        checkpoint_every: 20
        validate_every: 20
        log_every: 10
      evaluation: {samples: 200, grid_size: 20}
      sweep:
      %s
      """;

  @TempDir Path tmp;

  private Path yaml(String name, int steps, String sweep) throws IOException {
    Path file = tmp.resolve(name);
    Files.writeString(file, BASE.formatted(steps, sweep.indent(2).stripTrailing()));
    return file;
  }

  private static List<RunSummary> children(LocalRunStore store, String parentId)
      throws IOException {
    return store.listRuns().stream().filter(r -> parentId.equals(r.parentRunId())).toList();
  }

  @Test
  void sweepOnMlflowKilledMidwayAndRerunEndsWithEightFinishedChildrenAndNoDuplicates()
      throws Exception {
    Path config =
        yaml(
            "sweep.yaml",
            80,
            """
            grid:
              training.optimizer.lr: [2.0e-3, 4.0e-3]
              model.params.couplings: [2, 3]
            seeds: [0, 1]
            workers: 2
            """);
    Path runs = tmp.resolve("runs");
    String[] args = {
      "sweep", config.toString(), "tracking.uri=" + MLFLOW.uri(), "tracking.experiment=sweep-e2e"
    };
    Process host = CliProcess.dev(runs).start(tmp.resolve("log-a"), args);
    LocalRunStore store = new LocalRunStore(runs);
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    boolean ready = false;
    while (!ready && host.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(50);
      List<RunSummary> all;
      try {
        all = store.listRuns();
      } catch (IOException notYet) {
        continue; // a run folder being created
      }
      long finished =
          all.stream()
              .filter(r -> r.parentRunId() != null && r.status().toString().equals("FINISHED"))
              .count();
      long running =
          all.stream()
              .filter(r -> r.parentRunId() != null && r.status().toString().equals("RUNNING"))
              .count();
      ready = finished >= 2 && running >= 1;
    }
    assertTrue(ready && host.isAlive(), "killed after 2 trials finished, while others ran");
    List<ProcessHandle> trainers = host.descendants().filter(ProcessHandle::isAlive).toList();
    assertTrue(!trainers.isEmpty(), "trials train in child JVMs of the host");
    host.destroyForcibly().waitFor(); // SIGKILL
    // Each trial JVM notices its host is gone and exits by itself, leaving its last checkpoint.
    long killed = System.nanoTime();
    while ((trialProcesses(runs).findAny().isPresent()
            || trainers.stream().anyMatch(ProcessHandle::isAlive))
        && System.nanoTime() - killed < TimeUnit.MINUTES.toNanos(1)) {
      Thread.sleep(50);
    }
    List<String> orphans =
        java.util.stream.Stream.concat(trainers.stream(), trialProcesses(runs))
            .filter(ProcessHandle::isAlive)
            .map(p -> p.pid() + " " + p.info())
            .toList();
    assertEquals(List.of(), orphans, "every trainer exits by itself after the host's kill -9");
    RunSummary parent =
        store.listRuns().stream().filter(r -> r.parentRunId() == null).findFirst().orElseThrow();
    Map<String, Long> finishedBefore =
        children(store, parent.id()).stream()
            .filter(r -> r.status().toString().equals("FINISHED"))
            .collect(Collectors.toMap(RunSummary::id, RunSummary::endTimeMs));
    Set<String> interrupted =
        children(store, parent.id()).stream()
            .filter(r -> r.status().toString().equals("RUNNING"))
            .map(RunSummary::id)
            .collect(Collectors.toSet());
    assertTrue(finishedBefore.size() >= 2 && finishedBefore.size() < 8, finishedBefore.toString());
    assertTrue(!interrupted.isEmpty(), "a trial was interrupted");

    // The same sweep, continued with 3 workers: the worker count is not part of its identity.
    String[] rerunArgs =
        java.util.stream.Stream.concat(
                java.util.Arrays.stream(args), java.util.stream.Stream.of("sweep.workers=3"))
            .toArray(String[]::new);
    CliProcess.Result rerun = CliProcess.dev(runs).run(tmp.resolve("log-b"), rerunArgs);
    assertEquals(0, rerun.exitCode(), rerun.stdout() + rerun.stderr());
    int missing = 8 - finishedBefore.size();
    assertTrue(rerun.stdout().contains("continuing sweep " + parent.id()), rerun.stdout());
    assertTrue(
        rerun
            .stdout()
            .contains(
                "8 trials: "
                    + missing
                    + " to run, "
                    + finishedBefore.size()
                    + " done before; 3 workers"),
        rerun.stdout());

    // Local store: one parent, exactly 8 FINISHED children, one per trial.
    List<RunSummary> all = store.listRuns();
    assertEquals(9, all.size(), "one parent and 8 children, no duplicates");
    List<RunSummary> kids = children(store, parent.id());
    assertEquals(8, kids.size());
    assertTrue(kids.stream().allMatch(r -> r.status().toString().equals("FINISHED")));
    assertEquals(8, kids.stream().map(r -> r.tags().get("flowlab.trial_hash")).distinct().count());
    Set<String> kidIds = kids.stream().map(RunSummary::id).collect(Collectors.toSet());
    assertTrue(kidIds.containsAll(interrupted), "interrupted trials continued in their own runs");
    for (var done : finishedBefore.entrySet()) {
      assertEquals(
          done.getValue(), store.run(done.getKey()).orElseThrow().endTimeMs(), "not run again");
    }
    RunSummary finalParent = store.run(parent.id()).orElseThrow();
    assertEquals("FINISHED", finalParent.status().toString());
    String best = finalParent.tags().get("flowlab.best_run_id");
    double bestNll = store.run(best).orElseThrow().latestMetrics().get("test/nll");
    for (RunSummary k : kids) {
      assertTrue(bestNll <= k.latestMetrics().get("test/nll"), "best is the lowest test/nll");
    }
    List<String> csv = Files.readAllLines(store.runDir(parent.id()).resolve("summary.csv"));
    assertEquals(9, csv.size(), "header and 8 trials");
    assertTrue(csv.get(1).contains(best), "best trial first: " + csv.get(1));
    assertTrue(
        Files.size(
                store
                    .runDir(parent.id())
                    .resolve("artifacts/plots/metric_vs_training.optimizer.lr.png"))
            > 0);

    // The MLflow server: the same parent, 8 FINISHED children linked to it, each with its records.
    String experimentId =
        MLFLOW
            .get("/api/2.0/mlflow/experiments/get-by-name?experiment_name=sweep-e2e")
            .get("experiment")
            .get("experiment_id")
            .asText();
    JsonNode search =
        MLFLOW.post(
            "/api/2.0/mlflow/runs/search",
            Map.of("experiment_ids", List.of(experimentId), "max_results", 100));
    List<JsonNode> remote = new ArrayList<>();
    search.get("runs").forEach(remote::add);
    assertEquals(9, remote.size(), "no duplicate runs on the server");
    JsonNode remoteParent =
        remote.stream()
            .filter(r -> !tags(r).containsKey("mlflow.parentRunId"))
            .findFirst()
            .orElseThrow();
    String parentMlflowId = remoteParent.get("info").get("run_id").asText();
    assertEquals(best, tags(remoteParent).get("flowlab.best_run_id"));
    String bestMlflowId =
        remote.stream()
            .filter(r -> best.equals(tags(r).get("flowlab.local_run_id")))
            .findFirst()
            .orElseThrow()
            .get("info")
            .get("run_id")
            .asText();
    assertEquals(
        bestMlflowId,
        tags(remoteParent).get("flowlab.best_mlflow_run_id"),
        "the best trial by its MLflow run id");
    assertEquals(
        parent.tags().get("flowlab.sweep_hash"), tags(remoteParent).get("flowlab.sweep_hash"));
    List<String> parentFiles =
        MLFLOW
            .get("/api/2.0/mlflow/artifacts/list?run_id=" + parentMlflowId)
            .get("files")
            .findValuesAsText("path");
    assertTrue(
        parentFiles.contains("summary.csv") && parentFiles.contains("plots"),
        parentFiles.toString());
    Set<String> trialHashes = new HashSet<>();
    for (JsonNode r : remote) {
      if (r == remoteParent) {
        continue;
      }
      Map<String, String> t = tags(r);
      String runId = r.get("info").get("run_id").asText();
      assertEquals(parentMlflowId, t.get("mlflow.parentRunId"));
      assertEquals("FINISHED", r.get("info").get("status").asText(), t.toString());
      trialHashes.add(t.get("flowlab.trial_hash"));
      Map<String, String> params = MlflowServer.pairs(r.get("data").get("params"));
      assertTrue(
          Set.of("2", "3").contains(params.get("model.params.couplings")), params.toString());
      JsonNode history =
          MLFLOW.get(
              "/api/2.0/mlflow/metrics/get-history?run_id="
                  + runId
                  + "&metric_key="
                  + URLEncoder.encode("train/loss", StandardCharsets.UTF_8));
      int points = history.get("metrics").size();
      String local = t.get("flowlab.local_run_id");
      if (finishedBefore.containsKey(local)) {
        assertEquals(8, points, "train/loss every 10 of 80 steps");
      } else {
        assertTrue(points >= 8, "a continued trial logs replayed steps again: " + points);
      }
      List<String> files =
          MLFLOW
              .get("/api/2.0/mlflow/artifacts/list?run_id=" + runId + "&path=evaluation")
              .get("files")
              .findValuesAsText("path");
      assertTrue(files.contains("evaluation/density.png"), files.toString());
    }
    assertEquals(8, trialHashes.size());

    // Trials that ran beside another one reproduce bitwise on their own.
    for (String id : finishedBefore.keySet().stream().sorted().limit(2).toList()) {
      CliProcess.Result rep =
          CliProcess.dev(runs).run(tmp.resolve("log-rep-" + id), "reproduce", id);
      assertEquals(0, rep.exitCode(), rep.stdout() + rep.stderr());
      assertTrue(rep.stdout().contains("identical: run "), rep.stdout());
    }
  }

  /** Live trial JVMs working on the run store {@code runs}, whoever their parent now is. */
  /**
   * The live trial JVMs writing to {@code runs}. Their command lines are read from /proc: the JDK's
   * {@code ProcessHandle.Info} gives no arguments for a command line as long as a test classpath.
   */
  private static java.util.stream.Stream<ProcessHandle> trialProcesses(Path runs) {
    return ProcessHandle.allProcesses()
        .filter(ProcessHandle::isAlive)
        .filter(
            p -> {
              List<String> a = commandLine(p);
              return a.contains("sweep-trial") && a.contains(runs.toString());
            });
  }

  /** The arguments of {@code process} from /proc, empty once it has gone. */
  private static List<String> commandLine(ProcessHandle process) {
    try {
      String raw = Files.readString(Path.of("/proc", Long.toString(process.pid()), "cmdline"));
      return List.of(raw.split("\0"));
    } catch (IOException gone) {
      return List.of();
    }
  }

  @Test
  void twoWorkersTrainSideBySideInTheirOwnJvmsBitwiseLikeOneWorker() throws Exception {
    Path config = yaml("parallel.yaml", 120, "seeds: [0, 1]");
    Process parallelHost = startSweep(config, tmp.resolve("runs-2"), 2);
    assertTrue(
        twoTrialsAliveAtOnce(parallelHost, tmp.resolve("runs-2")),
        "with 2 workers the two trial JVMs run at the same time");
    Map<String, RunSummary> two = finishedTrials(parallelHost, tmp.resolve("runs-2"), 2);
    Process serialHost = startSweep(config, tmp.resolve("runs-1"), 1);
    Map<String, RunSummary> one = finishedTrials(serialHost, tmp.resolve("runs-1"), 1);
    assertEquals(two.keySet(), one.keySet(), "the same two trials");
    List<long[]> serial = trainingSpans(tmp.resolve("runs-1"), one);
    assertTrue(
        serial.get(0)[1] < serial.get(1)[0] || serial.get(1)[1] < serial.get(0)[0],
        "with 1 worker one after the other");
    for (String hash : two.keySet()) {
      assertEquals(
          losses(tmp.resolve("runs-1"), one.get(hash)),
          losses(tmp.resolve("runs-2"), two.get(hash)),
          "train/loss history bitwise equal");
      for (String metric : List.of("test/nll", "val/nll")) {
        assertEquals(
            one.get(hash).latestMetrics().get(metric),
            two.get(hash).latestMetrics().get(metric),
            metric);
      }
    }
  }

  /** Starts the sweep with {@code workers} into {@code runs}. */
  private Process startSweep(Path config, Path runs, int workers) throws IOException {
    return CliProcess.dev(runs)
        .start(logDir(runs), "sweep", config.toString(), "sweep.workers=" + workers);
  }

  private Path logDir(Path runs) {
    return tmp.resolve("log-" + runs.getFileName());
  }

  /**
   * Whether the sweep {@code host} has two trial JVMs alive at once, decided by events, not by
   * clocks: each trial JVM is paused (SIGSTOP) as soon as it appears, so none can finish before the
   * other has started, until two are alive (or the host ends); then every paused one resumes. A
   * sweep that ran its trials one after the other would never start the second (the 3-minute cap
   * only keeps such a failure from hanging the build).
   */
  private static boolean twoTrialsAliveAtOnce(Process host, Path runs) throws Exception {
    List<ProcessHandle> paused = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    try {
      while (paused.size() < 2 && host.isAlive() && System.nanoTime() < deadline) {
        for (ProcessHandle trial : trialProcesses(runs).toList()) {
          if (!paused.contains(trial)) {
            signal(trial, "STOP");
            paused.add(trial);
          }
        }
        Thread.sleep(10);
        host.descendants()
            .forEach(
                d ->
                    System.err.println(
                        "DEBUG "
                            + d.pid()
                            + " "
                            + d.isAlive()
                            + " "
                            + d.info().arguments().map(java.util.Arrays::toString).orElse("?")));
      }
      return paused.size() == 2 && paused.stream().allMatch(ProcessHandle::isAlive);
    } finally {
      for (ProcessHandle trial : paused) {
        signal(trial, "CONT");
      }
    }
  }

  private static void signal(ProcessHandle process, String signal) throws Exception {
    new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start()
        .waitFor();
  }

  /** Waits for the sweep {@code host} to finish: its children in {@code runs} by trial hash. */
  private Map<String, RunSummary> finishedTrials(Process host, Path runs, int workers)
      throws Exception {
    assertTrue(host.waitFor(5, TimeUnit.MINUTES), "the sweep finishes");
    String stdout = Files.readString(logDir(runs).resolve("stdout.txt"));
    String stderr = Files.readString(logDir(runs).resolve("stderr.txt"));
    assertEquals(0, host.exitValue(), stdout + stderr);
    String preset = System.getenv("OMP_NUM_THREADS"); // a thread count the user set wins
    int threads =
        preset != null
            ? Integer.parseInt(preset)
            : Math.max(1, Runtime.getRuntime().availableProcessors() / workers);
    assertTrue(
        stdout.contains("each trial in its own JVM with " + threads + " intra-op thread"), stdout);
    LocalRunStore store = new LocalRunStore(runs);
    RunSummary parent =
        store.listRuns().stream().filter(p -> p.parentRunId() == null).findFirst().orElseThrow();
    for (RunSummary k : children(store, parent.id())) {
      Path log = store.runDir(parent.id()).resolve("logs").resolve(k.name() + ".log");
      assertTrue(Files.readString(log).contains("trained 120 steps"), "the trial's log: " + log);
    }
    return children(store, parent.id()).stream()
        .collect(Collectors.toMap(k -> k.tags().get("flowlab.trial_hash"), k -> k));
  }

  /** Each trial's first and last train/loss time, in trial order. */
  private static List<long[]> trainingSpans(Path runs, Map<String, RunSummary> trials)
      throws IOException {
    List<long[]> spans = new ArrayList<>();
    for (RunSummary k :
        trials.values().stream()
            .sorted(java.util.Comparator.comparing(RunSummary::name))
            .toList()) {
      List<org.flowlab.core.tracking.MetricPoint> points =
          new LocalRunStore(runs).metricHistory(k.id(), "train/loss");
      assertEquals(12, points.size(), "train/loss every 10 of 120 steps");
      spans.add(new long[] {points.get(0).timestamp(), points.get(points.size() - 1).timestamp()});
    }
    return spans;
  }

  private static List<Double> losses(Path runs, RunSummary run) throws IOException {
    return new LocalRunStore(runs)
        .metricHistory(run.id(), "train/loss").stream()
            .map(org.flowlab.core.tracking.MetricPoint::value)
            .toList();
  }

  @Test
  void divergingTrialFailsAloneAndAFinishedTrialReproducesBitwise() throws Exception {
    Path config =
        yaml(
            "diverge.yaml",
            60,
            """
            grid:
              training.optimizer.lr: [3.0e-3, 1.0e+9]
            workers: 2
            """);
    Path runs = tmp.resolve("runs");
    CliProcess.Result r =
        CliProcess.dev(runs).run(tmp.resolve("log-a"), "sweep", config.toString());
    assertEquals(1, r.exitCode(), "a failed trial makes the sweep exit 1: " + r.stderr());
    assertTrue(r.stderr().contains("error: 1 of 2 trials did not finish"), r.stderr());
    LocalRunStore store = new LocalRunStore(runs);
    RunSummary parent =
        store.listRuns().stream().filter(p -> p.parentRunId() == null).findFirst().orElseThrow();
    List<RunSummary> kids = children(store, parent.id());
    assertEquals(2, kids.size());
    RunSummary ok =
        kids.stream()
            .filter(k -> k.status().toString().equals("FINISHED"))
            .findFirst()
            .orElseThrow();
    RunSummary failed =
        kids.stream().filter(k -> k.status().toString().equals("FAILED")).findFirst().orElseThrow();
    assertEquals("0.003", ok.params().get("training.optimizer.lr"));
    assertTrue(
        failed.tags().get("flowlab.failure").startsWith("training diverged at step"),
        failed.tags().toString());
    assertTrue(
        r.stdout().lines().anyMatch(l -> l.contains(failed.id()) && l.contains("FAILED")),
        r.stdout());
    assertEquals(ok.id(), store.run(parent.id()).orElseThrow().tags().get("flowlab.best_run_id"));
    String csv = Files.readString(store.runDir(parent.id()).resolve("summary.csv"));
    assertTrue(csv.contains(failed.id() + ",FAILED,"), csv);

    // Rerunning leaves the failed trial alone unless asked; a retry continues its own run.
    CliProcess.Result again =
        CliProcess.dev(runs).run(tmp.resolve("log-b"), "sweep", config.toString());
    assertEquals(1, again.exitCode());
    assertTrue(again.stdout().contains("2 trials: 0 to run, 2 done before"), again.stdout());
    CliProcess.Result retry =
        CliProcess.dev(runs)
            .run(tmp.resolve("log-c"), "sweep", config.toString(), "--retry-failed");
    assertEquals(1, retry.exitCode());
    assertTrue(retry.stdout().contains("2 trials: 1 to run, 1 done before"), retry.stdout());
    assertTrue(retry.stdout().contains("continuing " + failed.id()), retry.stdout());
    assertEquals(2, children(store, parent.id()).size(), "no duplicate child");

    // flowlab reproduce: same config and seed into a new run, bitwise equal final metrics.
    CliProcess.Result rep = CliProcess.dev(runs).run(tmp.resolve("log-d"), "reproduce", ok.id());
    assertEquals(0, rep.exitCode(), rep.stdout() + rep.stderr());
    assertTrue(rep.stdout().contains("identical: run "), rep.stdout());
    RunSummary copy =
        store.listRuns().stream()
            .filter(x -> ok.id().equals(x.tags().get("flowlab.reproduces")))
            .findFirst()
            .orElseThrow();
    assertEquals(ok.latestMetrics().get("test/nll"), copy.latestMetrics().get("test/nll"));
    assertEquals(ok.tags().get("flowlab.config_hash"), copy.tags().get("flowlab.config_hash"));
  }

  private static Map<String, String> tags(JsonNode run) {
    return MlflowServer.pairs(run.get("data").get("tags"));
  }
}
