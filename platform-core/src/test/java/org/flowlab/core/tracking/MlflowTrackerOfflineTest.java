package org.flowlab.core.tracking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The MLflow mirror when the server hangs: no MLflow installation needed. */
class MlflowTrackerOfflineTest {
  @TempDir Path tmp;

  @Test
  void serverThatNeverAnswersDoesNotStallTheRun() throws Exception {
    LocalRunStore store = new LocalRunStore(tmp.resolve("runs"));
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    // Listens (the kernel completes the TCP handshake) but never accepts nor answers.
    try (ServerSocket hanging = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        MlflowTracker tracker =
            new MlflowTracker(
                store,
                "http://127.0.0.1:" + hanging.getLocalPort(),
                Duration.ofMillis(200),
                new PrintStream(err, true, StandardCharsets.UTF_8))) {
      long t0 = System.nanoTime();
      TrackedRun run = tracker.start("hang", "r", null);
      for (int step = 0; step < 10; step++) {
        run.logMetric("loss", step, step);
      }
      run.flush();
      run.finish(Tracker.Status.FINISHED);
      double seconds = (System.nanoTime() - t0) / 1e9;
      assertTrue(seconds < 8, "three probes of ~1.2 s each, took " + seconds + " s");
      assertTrue(tracker.hasPending(run.id()));
      assertEquals(10, store.metricHistory(run.id(), "loss").size());
      assertEquals(Tracker.Status.FINISHED, store.run(run.id()).orElseThrow().status());
    }
    String warnings = err.toString(StandardCharsets.UTF_8);
    assertEquals(1, warnings.lines().count(), warnings);
    assertTrue(warnings.contains("unreachable"), warnings);
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
