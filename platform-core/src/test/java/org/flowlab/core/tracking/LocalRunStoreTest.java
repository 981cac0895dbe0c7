package org.flowlab.core.tracking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalRunStoreTest {
  @TempDir Path tmp;

  @Test
  void recordsEverythingAndReadsItBack() throws Exception {
    LocalRunStore store = new LocalRunStore(tmp.resolve("runs"));
    Path plot = tmp.resolve("loss.png");
    Files.write(plot, new byte[] {1, 2, 3, 4});
    String id;
    try (LocalRun run = store.start("moons", "realnvp-a", null)) {
      id = run.id();
      assertTrue(id.matches("\\d{8}-\\d{6}-[0-9a-f]{6}"), id);
      run.logParams(Tracker.of("lr", "0.001", "layers", "6"));
      run.logParams(Tracker.of("lr", "0.001")); // same value again is fine
      IllegalArgumentException changed =
          assertThrows(IllegalArgumentException.class, () -> run.logParams(Tracker.of("lr", "1")));
      assertTrue(changed.getMessage().contains("'lr'"), changed.getMessage());
      run.setTags(Tracker.of("flowlab.device", "cpu"));
      run.setTags(Tracker.of("flowlab.device", "cuda:0", "note", "x"));
      for (int step = 0; step < 4; step++) {
        run.logMetric("train/loss", 2.0 - step, step);
      }
      run.logMetric("val/nll", Double.NaN, 3);
      run.logArtifact(plot, "plots");
      run.finish(Tracker.Status.FINISHED);
    }
    Path dir = store.runDir(id);
    for (String f :
        List.of("meta.json", "params.json", "tags.json", "metrics/train%2Floss.jsonl")) {
      assertTrue(Files.isRegularFile(dir.resolve(f)), f);
    }
    assertTrue(Files.isRegularFile(dir.resolve("artifacts/plots/loss.png")));

    RunSummary s = store.run(id).orElseThrow();
    assertEquals("realnvp-a", s.name());
    assertEquals("moons", s.experiment());
    assertEquals(Tracker.Status.FINISHED, s.status());
    assertTrue(s.endTimeMs() >= s.startTimeMs());
    assertNull(s.parentRunId());
    assertEquals(Map.of("lr", "0.001", "layers", "6"), s.params());
    assertEquals(Map.of("flowlab.device", "cuda:0", "note", "x"), s.tags());
    assertEquals(-1.0, s.latestMetrics().get("train/loss"));
    assertTrue(s.latestMetrics().get("val/nll").isNaN());
    assertEquals(List.of("train/loss", "val/nll"), store.metricKeys(id));
    List<MetricPoint> h = store.metricHistory(id, "train/loss");
    assertEquals(4, h.size());
    for (int i = 0; i < 4; i++) {
      assertEquals(i, h.get(i).step());
      assertEquals(2.0 - i, h.get(i).value());
      assertEquals("train/loss", h.get(i).key());
      assertTrue(h.get(i).timestamp() > 0);
    }
    assertEquals(List.of(s), store.listRuns());
  }

  @Test
  void resumesByUniquePrefixAndRejectsAmbiguousOnes() throws Exception {
    LocalRunStore store = new LocalRunStore(tmp.resolve("runs"));
    String a;
    String b;
    try (LocalRun ra = store.start("e", "a", null);
        LocalRun rb = store.start("e", "b", ra.id())) {
      a = ra.id();
      b = rb.id();
      ra.logMetric("loss", 1.0, 0);
      ra.finish(Tracker.Status.KILLED);
    }
    assertEquals(a, store.run(b).orElseThrow().parentRunId());
    // Both ids share the date: that prefix is ambiguous and the error names both runs.
    IllegalArgumentException ambiguous =
        assertThrows(IllegalArgumentException.class, () -> store.resume(a.substring(0, 8)));
    assertTrue(ambiguous.getMessage().contains(a) && ambiguous.getMessage().contains(b));
    assertTrue(store.resume("nope").isEmpty());

    String prefix = a.substring(0, a.length() - 1);
    if (b.startsWith(prefix)) {
      prefix = a; // 1 in 16^5: ids differ only in the last digit
    }
    try (TrackedRun resumed = store.resume(prefix).orElseThrow()) {
      assertEquals(a, resumed.id());
      assertEquals(Tracker.Status.RUNNING, store.run(a).orElseThrow().status());
      assertNull(store.run(a).orElseThrow().endTimeMs());
      resumed.logMetric("loss", 0.5, 1);
      resumed.finish(Tracker.Status.FINISHED);
    }
    assertEquals(
        List.of(1.0, 0.5),
        store.metricHistory(a, "loss").stream().map(MetricPoint::value).toList());
    assertEquals(Tracker.Status.FINISHED, store.run(a).orElseThrow().status());
  }

  @Test
  void tornLastMetricLineIsSkippedAndRepairedOnResume() throws Exception {
    LocalRunStore store = new LocalRunStore(tmp.resolve("runs"));
    String id;
    try (LocalRun run = store.start("e", "crash", null)) {
      id = run.id();
      run.logMetric("loss", 3.0, 0);
      run.logMetric("loss", 2.0, 1);
    }
    Path file = store.runDir(id).resolve("metrics/loss.jsonl");
    // What a kill -9 in the middle of a write leaves behind.
    Files.write(
        file,
        "{\"key\":\"loss\",\"step\":2,\"val".getBytes(StandardCharsets.UTF_8),
        StandardOpenOption.APPEND);
    assertEquals(
        List.of(0L, 1L), store.metricHistory(id, "loss").stream().map(MetricPoint::step).toList());
    assertEquals(2.0, store.run(id).orElseThrow().latestMetrics().get("loss"));

    try (TrackedRun run = store.resume(id).orElseThrow()) {
      run.logMetric("loss", 1.5, 2);
    }
    List<MetricPoint> h = store.metricHistory(id, "loss");
    assertEquals(List.of(0L, 1L, 2L), h.stream().map(MetricPoint::step).toList());
    assertEquals(1.5, h.get(2).value());
    assertFalse(Files.readString(file).contains("\"val{"));
  }

  @Test
  void tableSortsByMetricAndFiltersByExperiment() throws Exception {
    LocalRunStore store = new LocalRunStore(tmp.resolve("runs"));
    String mid = logRun(store, "moons", "mid", 1.5);
    String best = logRun(store, "moons", "best", 0.5);
    String worst = logRun(store, "moons", "worst", 2.5);
    String none;
    try (LocalRun r = store.start("moons", "no-metric", null)) {
      none = r.id();
    }
    String other = logRun(store, "rings", "other", 0.1);

    List<String> asc = idsInTable(store.table("val/nll", false, "moons"));
    assertEquals(List.of(best, mid, worst, none), asc);
    List<String> desc = idsInTable(store.table("val/nll", true, "moons"));
    assertEquals(List.of(worst, mid, best, none), desc);
    List<String> all = idsInTable(store.table("val/nll", false, null));
    assertEquals(List.of(other, best, mid, worst, none), all);

    String table = store.table("val/nll", false, "moons");
    String header = table.lines().findFirst().orElseThrow();
    assertTrue(header.startsWith("ID"), header);
    assertTrue(header.contains("val/nll"), header);
    assertTrue(table.lines().skip(1).findFirst().orElseThrow().contains("0.500000"), table);
  }

  @Test
  void concurrentAmendsKeepEveryModelTag() throws Exception {
    LocalRunStore store = new LocalRunStore(tmp.resolve("runs"));
    String id;
    try (LocalRun run = store.start("exp", "r", null)) {
      id = run.id();
    }
    Path version = Files.createDirectories(tmp.resolve("v/1"));
    Files.writeString(version.resolve("model-card.json"), "{}");
    // Three exports open the run before any of them records its model: each holds stale tags.
    List<LocalRun> amends = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      amends.add(store.amendLocal(id).orElseThrow());
    }
    java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(3);
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(3);
    List<java.util.concurrent.Future<String>> done = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      LocalRun amend = amends.get(i);
      String name = "m" + i;
      done.add(
          pool.submit(
              () -> {
                together.await();
                return amend.recordModel(name, 1, version);
              }));
    }
    for (var f : done) {
      f.get();
    }
    pool.shutdown();
    Map<String, String> tags = store.run(id).orElseThrow().tags();
    for (int i = 0; i < 3; i++) {
      assertTrue(tags.containsKey("flowlab.model/m" + i + "/1"), tags.toString());
    }
  }

  @Test
  void aSecondWriterIsRefusedNamingTheHolderAndTheLockEndsWithTheRun() throws Exception {
    LocalRunStore store = new LocalRunStore(tmp.resolve("runs"));
    LocalRun first = store.start("exp", "r", null);
    RunLockedException e =
        assertThrows(RunLockedException.class, () -> store.resumeLocal(first.id()));
    assertEquals(ProcessHandle.current().pid(), e.holderPid());
    assertTrue(e.getMessage().contains("process " + ProcessHandle.current().pid()), e.getMessage());
    first.finish(Tracker.Status.FAILED);
    try (LocalRun second = store.resumeLocal(first.id()).orElseThrow()) {
      assertEquals(Tracker.Status.RUNNING, second.status());
    }
  }

  private static String logRun(LocalRunStore store, String exp, String name, double nll)
      throws Exception {
    try (LocalRun r = store.start(exp, name, null)) {
      r.logMetric("val/nll", nll + 10, 0);
      r.logMetric("val/nll", nll, 1);
      return r.id();
    }
  }

  private static List<String> idsInTable(String table) {
    return table.lines().skip(1).map(l -> l.split("\\s+")[0]).toList();
  }
}
