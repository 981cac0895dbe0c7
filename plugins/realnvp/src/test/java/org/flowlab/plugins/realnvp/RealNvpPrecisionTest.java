package org.flowlab.plugins.realnvp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.flowlab.core.cli.CliProcess;
import org.flowlab.core.tracking.LocalRunStore;
import org.flowlab.core.tracking.MetricPoint;
import org.flowlab.core.tracking.RunSummary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code training.precision} through the real CLI: the quickstart trains a few steps in bfloat16
 * and in float16 with a finite loss, records the precision as a param and a tag (float16 also its
 * loss scale), and a bad value is refused by {@code validate} and {@code run} with exit 2 and one
 * located line.
 */
class RealNvpPrecisionTest {
  private static final Path QUICKSTART =
      Path.of(System.getProperty("flowlab.repo.root", "../.."), "experiments", "quickstart.yaml");

  @TempDir Path tmp;

  @ParameterizedTest
  @ValueSource(strings = {"bfloat16", "float16"})
  void theQuickstartTrainsAFewStepsInLowPrecision(String precision) throws Exception {
    Path runs = tmp.resolve("runs");
    CliProcess.Result r =
        CliProcess.dev(runs)
            .run(
                tmp.resolve("log"),
                "run",
                QUICKSTART.toString(),
                "training.precision=" + precision,
                "training.steps=40",
                "training.log_every=10",
                "training.validate_every=20",
                "training.checkpoint_every=20",
                "data.train_size=2000",
                "data.val_size=500",
                "data.test_size=500",
                "evaluation.samples=200",
                "evaluation.grid_size=20");
    assertEquals(0, r.exitCode(), r.stderr());
    LocalRunStore store = new LocalRunStore(runs);
    RunSummary run = store.listRuns().get(0);
    assertEquals(precision, run.tags().get("flowlab.precision"));
    assertEquals(precision, run.params().get("training.precision"));
    List<MetricPoint> loss = store.metricHistory(run.id(), "train/loss");
    assertEquals(4, loss.size());
    for (MetricPoint p : loss) {
      assertTrue(Double.isFinite(p.value()), "train/loss " + p.value() + " at " + p.step());
    }
    assertTrue(
        Double.isFinite(run.latestMetrics().get("test/nll")), run.latestMetrics().toString());
    List<String> keys = store.metricKeys(run.id());
    assertEquals(precision.equals("float16"), keys.contains("train/loss_scale"), keys.toString());
    if (precision.equals("float16")) {
      double scale = run.latestMetrics().get("train/loss_scale");
      double skipped = run.latestMetrics().get("train/skipped_steps");
      assertEquals(65536.0 / Math.pow(2, skipped), scale, "halved once per skipped step");
    }
  }

  @Test
  void aBadPrecisionExitsWithCodeTwoAndOneLocatedLine() throws Exception {
    String quickstart = Files.readString(QUICKSTART);
    Path bad = tmp.resolve("bad.yaml");
    Files.writeString(
        bad, quickstart.replace("  device: auto\n", "  device: auto\n  precision: fp8\n"));
    int line = quickstart.lines().toList().indexOf("  device: auto") + 2; // 1-based, the line after
    for (String command : List.of("validate", "run")) {
      CliProcess.Result r =
          CliProcess.dev(tmp.resolve("runs"))
              .run(tmp.resolve("log-" + command), command, bad.toString());
      assertEquals(2, r.exitCode(), command + ": " + r.stderr());
      List<String> errors = r.stderr().lines().filter(l -> l.startsWith("error: ")).toList();
      assertEquals(1, errors.size(), r.stderr());
      assertEquals(
          "error: "
              + bad
              + ":"
              + line
              + ":3: training.precision: must be one of [float32, bfloat16, float16], got 'fp8'",
          errors.get(0));
      assertFalse(r.stderr().contains("\tat ") || r.stderr().contains("Exception"), r.stderr());
    }
  }
}
