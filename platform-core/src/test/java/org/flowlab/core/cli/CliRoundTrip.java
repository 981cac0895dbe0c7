package org.flowlab.core.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.flowlab.core.data.TestFiles;
import org.flowlab.core.tracking.LocalRunStore;
import org.flowlab.core.tracking.RunSummary;
import org.flowlab.registry.ArrayFiles;

/**
 * A family's plugin driven through the real CLI in a child JVM ({@link CliProcess#dev}), for the
 * end-to-end tests of the plugins: one call runs a tiny experiment and checks what every family
 * must give; the caller then checks what is its own.
 */
public final class CliRoundTrip {
  private CliRoundTrip() {}

  /**
   * Runs {@code yaml} (a 2D toy run logging its loss every 5 of 60 steps) and checks that it
   * finished, is tagged with {@code family} and its plugin version, reports a finite test NLL and
   * NLL − entropy, and lowered its loss; then exports it, samples 50 points from the model through
   * ONNX Runtime and scores them.
   *
   * @return the run, for the family's own checks
   */
  public static RunSummary trainExportSampleScore(Path tmp, String yaml, String family)
      throws Exception {
    Path runs = tmp.resolve("runs");
    Path config = Files.writeString(tmp.resolve("tiny.yaml"), yaml);
    CliProcess cli = CliProcess.dev(runs);
    CliProcess.Result r = cli.run(tmp.resolve("log"), "run", config.toString());
    assertEquals(0, r.exitCode(), r.stderr());
    LocalRunStore store = new LocalRunStore(runs);
    RunSummary run = store.listRuns().get(0);
    assertEquals("FINISHED", run.status().toString());
    assertEquals(family, run.tags().get("flowlab.family"));
    assertEquals("0.1.0", run.tags().get("flowlab.plugin." + family));
    for (String metric : List.of("test/nll", "test/nll_minus_entropy")) {
      double value = run.latestMetrics().get(metric);
      assertTrue(Double.isFinite(value), metric + " = " + value);
    }
    List<Double> losses =
        store.metricHistory(run.id(), "train/loss").stream().map(p -> p.value()).toList();
    assertEquals(12, losses.size(), "every 5 of 60 steps");
    assertTrue(losses.get(losses.size() - 1) < losses.get(0), losses.toString());

    String models = tmp.resolve("models").toString();
    CliProcess.Result exported =
        cli.run(
            tmp.resolve("log-export"), "export", run.id(), "--name", "m", "--models-dir", models);
    assertEquals(0, exported.exitCode(), exported.stdout() + exported.stderr());
    assertTrue(exported.stdout().contains("registered m:1"), exported.stdout());
    Path samples = tmp.resolve("samples.npy");
    CliProcess.Result sampled =
        cli.run(
            tmp.resolve("log-sample"),
            "sample",
            "m",
            "-n",
            "50",
            "--out",
            samples.toString(),
            "--models-dir",
            models);
    assertEquals(0, sampled.exitCode(), sampled.stdout() + sampled.stderr());
    assertArrayEquals(new long[] {50, 2}, ArrayFiles.readNpy(samples).shape());
    CliProcess.Result scored =
        cli.run(tmp.resolve("log-score"), "score", "m", samples.toString(), "--models-dir", models);
    assertEquals(0, scored.exitCode(), scored.stdout() + scored.stderr());
    float first = Float.parseFloat(scored.stdout().split("\n")[0].trim());
    assertTrue(Float.isFinite(first), scored.stdout());
    return run;
  }

  /**
   * Writes tiny 4×4 IDX images (60 to train, 20 to test), runs {@code yamlFormat} with their folder
   * as its {@code %s} (an {@code mnist} run with sample grids at temperatures 0 and 1), and checks
   * a positive finite bits/dim, {@code decode(encode(x)) ≈ x} on the test images within 1e-4, and
   * both sample grids.
   */
  public static void tinyImageRun(Path tmp, String yamlFormat) throws Exception {
    Path data = TestFiles.mnist(tmp.resolve("data"), 60, 20, 4);
    Path config = Files.writeString(tmp.resolve("images.yaml"), yamlFormat.formatted(data));
    Path runs = tmp.resolve("runs");
    CliProcess.Result r = CliProcess.dev(runs).run(tmp.resolve("log"), "run", config.toString());
    assertEquals(0, r.exitCode(), r.stderr());
    RunSummary run = new LocalRunStore(runs).listRuns().get(0);
    double bpd = run.latestMetrics().get("test/bits_per_dim");
    assertTrue(Double.isFinite(bpd) && bpd > 0, "bits/dim " + bpd);
    double inverse = run.latestMetrics().get("test/inverse_error");
    assertTrue(inverse < 1e-4, "decode(encode(x)) on test images, error " + inverse);
    Path eval = new LocalRunStore(runs).runDir(run.id()).resolve("artifacts/evaluation");
    assertTrue(Files.size(eval.resolve("samples_T0.png")) > 0);
    assertTrue(Files.size(eval.resolve("samples_T1.png")) > 0);
  }

  /**
   * The signature MLflow reads from a version folder's {@code MLmodel}, after loading its onnx
   * flavour's model; fails (not skips) when python3 or mlflow is missing.
   */
  public static String mlflowSignature(Path dir) throws Exception {
    String script =
        "import sys, mlflow.onnx\n"
            + "from mlflow.models import Model\n"
            + "mlflow.onnx.load_model(sys.argv[1])\n"
            + "print(Model.load(sys.argv[1]).signature)\n";
    Process p;
    try {
      p =
          new ProcessBuilder("python3", "-c", script, dir.toString())
              .redirectErrorStream(true)
              .start();
    } catch (java.io.IOException e) {
      throw new AssertionError("python3 is missing: apt-get install python3 python3-pip", e);
    }
    String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "python finished");
    assertEquals(0, p.exitValue(), "MLflow reads the model (pip install mlflow onnx): " + printed);
    return printed;
  }
}
