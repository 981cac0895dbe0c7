package org.flowlab.core.tracking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The MLflow mirror when the server hangs: no MLflow installation needed. */
class MlflowTrackerOfflineTest {
  @TempDir Path tmp;

  @Test
  void serverThatNeverAnswersDoesNotStallTheRun() throws Exception {
    LocalRunStore store = new LocalRunStore(tmp.resolve("runs"));
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String runId;
    MlflowTracker tracker;
    // Listens (the kernel completes the TCP handshake) but never accepts nor answers.
    try (ServerSocket hanging = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      tracker =
          new MlflowTracker(
              store,
              "http://127.0.0.1:" + hanging.getLocalPort(),
              Duration.ofMillis(200),
              new PrintStream(err, true, StandardCharsets.UTF_8));
      try (tracker) {
        TrackedRun run = tracker.start("hang", "r", null);
        runId = run.id();
        for (int step = 0; step < 10; step++) {
          run.logMetric("loss", step, step);
        }
        run.flush();
        run.finish(Tracker.Status.FINISHED);
      }
    }
    assertTrue(tracker.hasPending(runId));
    assertEquals(10, store.metricHistory(runId, "loss").size());
    assertEquals(Tracker.Status.FINISHED, store.run(runId).orElseThrow().status());
    assertFalse(
        tracker.requestsByThread().containsKey(Thread.currentThread().getName()),
        "the training thread made no request: " + tracker.requestsByThread());
    List<String> lines = err.toString(StandardCharsets.UTF_8).lines().toList();
    assertTrue(lines.size() <= 2, "one warning and one summary line: " + lines);
    String last = lines.get(lines.size() - 1);
    assertTrue(last.matches("flowlab: \\d+ records wait in .* for `flowlab sync`.*"), last);
  }

  @Test
  void rejectsNonHttpUris() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new MlflowTracker(new LocalRunStore(tmp), "databricks"));
    assertTrue(e.getMessage().contains("http://"), e.getMessage());
  }
}
