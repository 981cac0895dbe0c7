package org.flowlab.plugins.realnvp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.core.cli.CliProcess;
import org.flowlab.core.tracking.LocalRunStore;
import org.flowlab.core.train.Checkpoint;
import org.flowlab.core.train.Trainer;
import org.flowlab.registry.ArrayFiles;
import org.flowlab.registry.ModelStore;
import org.flowlab.registry.Noise;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Export through the real CLI in child JVMs: train a tiny RealNVP run, {@code export} it (parity
 * figures in the card), {@code models}, {@code sample} and {@code score} through ONNX Runtime, and
 * compare ONNX Runtime's log p with the JVM flow rebuilt from the run's checkpoint. A second,
 * independent runtime — Python's onnx checker and onnxruntime — must agree with the Java numbers
 * (skipped with a message when Python's onnx/onnxruntime cannot be had).
 */
class RealNvpExportEndToEndTest {
  private static final Path REPO = Path.of(System.getProperty("flowlab.repo.root", "../.."));
  private static final String TINY =
      """
      name: tiny-export
      seed: 5
      data: {name: 8gaussians, train_size: 2000, val_size: 500, test_size: 1000}
      model:
        family: realnvp
        params: {couplings: 4, hidden: [16, 16]}
      training:
        device: cpu
        batch_size: 128
        steps: 60
        optimizer: {lr: 3.0e-3}
        schedule: {warmup_steps: 10}
        checkpoint_every: 30
        validate_every: 30
        log_every: 10
      evaluation: {samples: 200, grid_size: 20, plots: false}
      """;

  @TempDir static Path tmp;
  private static Path runs;
  private static Path models;
  private static String runId;
  private static CliProcess cli;

  @BeforeAll
  static void trainAndExport() throws Exception {
    runs = tmp.resolve("runs");
    models = tmp.resolve("models");
    cli =
        new CliProcess(
            List.of(
                "--dev",
                "--plugins-dir",
                REPO.resolve("plugins").toString(),
                "--runs-dir",
                runs.toString()));
    Path yaml = tmp.resolve("tiny.yaml");
    Files.writeString(yaml, TINY);
    CliProcess.Result trained = cli.run(tmp.resolve("log-run"), "run", yaml.toString());
    assertEquals(0, trained.exitCode(), trained.stderr());
    runId = new LocalRunStore(runs).listRuns().get(0).id();
  }

  private static CliProcess.Result flowlab(String log, String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--models-dir");
    all.add(models.toString());
    CliProcess.Result r = cli.run(tmp.resolve(log), all.toArray(String[]::new));
    assertEquals(0, r.exitCode(), String.join(" ", args) + ":\n" + r.stdout() + r.stderr());
    return r;
  }

  @Test
  void exportModelsSampleAndScoreThroughOnnxRuntime() throws Exception {
    CliProcess.Result exported =
        flowlab("log-export", "export", runId.substring(0, 8), "--name", "gauss8");
    assertTrue(exported.stdout().contains("registered gauss8:1"), exported.stdout());
    assertTrue(exported.stdout().contains("execution provider: "), exported.stdout());

    Path version = models.resolve("gauss8/1");
    for (String f : List.of("log_prob.onnx", "sample.onnx", "model-card.json")) {
      assertTrue(Files.size(version.resolve(f)) > 0, f);
    }
    JsonNode card = new ObjectMapper().readTree(version.resolve("model-card.json").toFile());
    assertEquals("realnvp", card.get("family").asText());
    assertEquals(runId, card.get("source_run").asText());
    assertEquals(17, card.get("opset").asInt());
    assertEquals("[2]", card.get("event_shape").toString());
    assertTrue(card.get("config").asText().contains("couplings: 4"), card.toString());
    assertTrue(card.get("metrics").has("test/nll"), card.toString());
    JsonNode parity = card.get("parity");
    double lpError = parity.get("log_prob_max_abs_error").asDouble();
    double xError = parity.get("sample_max_abs_error").asDouble();
    assertTrue(lpError >= 0 && lpError <= 1e-3, "log p parity " + lpError);
    assertTrue(xError >= 0 && xError <= 1e-4, "sample parity " + xError);
    assertEquals(512, parity.get("points").asInt());
    System.out.printf(Locale.ROOT, "export parity: |Δ log p| %.3g, |Δ x| %.3g%n", lpError, xError);

    CliProcess.Result listed = flowlab("log-models", "models");
    assertTrue(listed.stdout().contains("gauss8:1"), listed.stdout());
    assertTrue(listed.stdout().contains(runId), listed.stdout());

    // Sampling is seeded and goes through ONNX Runtime only.
    Path samples = tmp.resolve("samples.npy");
    CliProcess.Result sampled =
        flowlab(
            "log-sample",
            "sample",
            "gauss8",
            "-n",
            "300",
            "--out",
            samples.toString(),
            "--temperature",
            "0.9",
            "--seed",
            "4");
    assertTrue(sampled.stdout().contains("execution provider: "), sampled.stdout());
    ArrayFiles.FloatArray x = ArrayFiles.readNpy(samples);
    assertArrayEquals(new long[] {300, 2}, x.shape());
    Path again = tmp.resolve("again.npy");
    flowlab(
        "log-sample2",
        "sample",
        "gauss8:1",
        "-n",
        "300",
        "--out",
        again.toString(),
        "--temperature",
        "0.9",
        "--seed",
        "4");
    assertArrayEquals(Files.readAllBytes(samples), Files.readAllBytes(again), "same seed");

    // Score the samples: ORT's log p must equal the JVM flow's to 1e-3.
    CliProcess.Result scored = flowlab("log-score", "score", "gauss8", samples.toString());
    assertTrue(scored.stdout().contains("mean log p: "), scored.stdout());
    assertTrue(scored.stdout().contains("execution provider: "), scored.stdout());
    float[] ortLogProb = printedValues(scored.stdout(), 300);
    float[] jvmLogProb = jvmLogProb(x.values(), 300);
    double worst = 0;
    for (int i = 0; i < 300; i++) {
      worst = Math.max(worst, Math.abs(ortLogProb[i] - jvmLogProb[i]));
    }
    assertTrue(worst < 1e-3, "score vs JVM log p: " + worst);

    // A second export is version 2; version 1 stays.
    flowlab("log-export2", "export", runId, "--name", "gauss8");
    assertEquals(List.of(1, 2), new ModelStore(models).versions("gauss8"));

    pythonAgrees(version, samples, ortLogProb, x.values());
  }

  /** The first {@code n} lines of {@code flowlab score}: one log p per line. */
  private static float[] printedValues(String stdout, int n) {
    String[] lines = stdout.split("\n");
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = Float.parseFloat(lines[i].trim());
    }
    return out;
  }

  /** log p from the JVM flow rebuilt from the run's best checkpoint. */
  private static float[] jvmLogProb(float[] x, int n) throws IOException {
    try (NDManager manager = NDManager.newBaseManager()) {
      RealNvpConfig config =
          RealNvpConfig.vector(4, List.of(16, 16), null, null, null, null, null, null);
      Flow flow =
          new RealNvpFamily()
              .build(config, new BuildContext(new Shape(2), ParameterScope.root(manager, 5)));
      Path best = new LocalRunStore(runs).runDir(runId).resolve("checkpoints/best.ckpt");
      Trainer.restore(flow, Checkpoint.read(best, manager).params());
      return flow.logProb(manager.create(x, new Shape(n, 2))).toFloatArray();
    }
  }

  private static final String PYTHON_CHECK =
      """
      import sys, json, numpy as np, onnx, onnxruntime as ort
      d = sys.argv[1]
      for f in ("log_prob.onnx", "sample.onnx"):
          onnx.checker.check_model(onnx.load(d + "/" + f), full_check=True)
      lp = ort.InferenceSession(d + "/log_prob.onnx", providers=["CPUExecutionProvider"])
      sm = ort.InferenceSession(d + "/sample.onnx", providers=["CPUExecutionProvider"])
      x = np.load(sys.argv[2]).astype(np.float32)
      z = np.load(sys.argv[3]).astype(np.float32)
      logp = lp.run(["log_prob"], {"x": x})[0]
      xs = sm.run(["x"], {"z": z, "temperature": np.array(0.9, dtype=np.float32)})[0]
      print(json.dumps({"log_prob": logp.tolist(), "x": xs.reshape(-1).tolist(),
                        "onnxruntime": ort.__version__, "onnx": onnx.__version__}))
      """;

  /** onnx.checker passes and Python's onnxruntime gives the Java numbers. */
  private static void pythonAgrees(Path version, Path samples, float[] javaLogProb, float[] javaX)
      throws Exception {
    String python = System.getenv().getOrDefault("PYTHON", "python3");
    if (!pythonHas(python)) {
      run(List.of(python, "-m", "pip", "install", "-q", "onnx", "onnxruntime"), 300);
    }
    Assumptions.assumeTrue(
        pythonHas(python),
        "skipped the Python cross-check: "
            + python
            + " with onnx and onnxruntime is not available");
    Path script = tmp.resolve("check.py");
    Files.writeString(script, PYTHON_CHECK);
    Path z = tmp.resolve("z.npy");
    ArrayFiles.writeNpy(z, Noise.draw("normal", Noise.stream(4), 600), 300, 2);
    String out =
        run(
            List.of(
                python, script.toString(), version.toString(), samples.toString(), z.toString()),
            120);
    JsonNode result = new ObjectMapper().readTree(out.lines().reduce((a, b) -> b).orElseThrow());
    double lp = 0;
    for (int i = 0; i < javaLogProb.length; i++) {
      lp = Math.max(lp, Math.abs(result.get("log_prob").get(i).asDouble() - javaLogProb[i]));
    }
    double xs = 0;
    for (int i = 0; i < javaX.length; i++) {
      xs = Math.max(xs, Math.abs(result.get("x").get(i).asDouble() - javaX[i]));
    }
    System.out.printf(
        Locale.ROOT,
        "python onnxruntime %s vs Java ORT: |Δ log p| %.3g (printed to 1e-6), |Δ x| %.3g%n",
        result.get("onnxruntime").asText(),
        lp,
        xs);
    assertTrue(lp < 1e-5, "python log p differs by " + lp);
    assertTrue(xs < 1e-5, "python samples differ by " + xs);
  }

  private static boolean pythonHas(String python) {
    try {
      run(List.of(python, "-c", "import onnx, onnxruntime, numpy"), 60);
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  private static String run(List<String> command, int seconds) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(command + " timed out");
    }
    String text = new String(out, StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new IOException(command + " failed: " + text);
    }
    return text;
  }
}
