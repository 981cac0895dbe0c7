package org.flowlab.plugins.vi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.onnx.ExportTolerance;
import org.flowlab.api.onnx.OnnxModels;
import org.flowlab.api.onnx.runtime.OnnxSession;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.testkit.FlowChecks;
import org.flowlab.core.cli.CliProcess;
import org.flowlab.registry.ArrayFiles;
import org.flowlab.registry.ModelCard;
import org.flowlab.registry.ModelStore;
import org.flowlab.registry.Parity;
import org.flowlab.registry.RegisteredFlow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An amortised (context-taking) Sylvester sampler served by the CLI: exported and registered here,
 * {@code flowlab sample --context FILE --log-q FILE} draws in ONNX Runtime the samples and log q
 * the JVM flow gives the same latents at those contexts, and refuses a missing context in one line.
 */
class AmortisedSamplerCliTest {
  private static final int N = 6;
  private static final int K = 2;

  @TempDir Path tmp;

  @Test
  void flowlabSampleDrawsAnAmortisedSamplerGivenAContextFile() throws Exception {
    Path models = tmp.resolve("models");
    float[] contexts = {1, -1, 0.5f, 2, -2, 0, 0, 0, 1, 1, -0.5f, 0.25f};
    float[] jvmX;
    float[] jvmLogQ;
    try (NDManager m = NDManager.newBaseManager()) {
      Flow flow =
          new SylvesterFamily()
              .build(
                  new SylvesterConfig(3, "householder", null, null),
                  new BuildContext(new Shape(3), ParameterScope.root(m, 5), K));
      FlowChecks.perturb(flow, 5, 0.3);
      OnnxModels sampler = flow.toOnnxSampler();
      try (RegisteredFlow ort =
          new RegisteredFlow(
              sampler, new long[] {3}, new long[] {3}, OnnxSession.Provider.CPU, K)) {
        float[] z = ort.draws(N, 0); // what `flowlab sample --seed 0` draws
        NDArray c = m.create(contexts, new Shape(N, K));
        NDArray latent = m.create(z, new Shape(N, 3));
        Transformed t = flow.decodeWithLogDet(latent, c);
        jvmX = t.value().toFloatArray();
        jvmLogQ = flow.base().logProb(latent).sub(t.logDet()).toFloatArray();
        Parity.Report parity = Parity.checkSampler(ort, z, contexts, N, jvmX, jvmLogQ);
        assertFalse(ort.scores(), "a sampler has no log_prob model");
        assertThrows(UnsupportedOperationException.class, () -> ort.score(jvmX, N, contexts));
        ModelCard card =
            new ModelCard(
                "amortised",
                0,
                "sylvester",
                "",
                new long[] {3},
                new long[] {3},
                sampler.noise(),
                List.of(),
                Map.of(),
                "none",
                sampler.opset(),
                parity,
                "2026-01-01T00:00:00Z",
                K,
                ModelCard.samplerGraphs("sylvester"));
        new ModelStore(models).publish("amortised", sampler, card);
      }
    }
    StringBuilder csv = new StringBuilder();
    for (int i = 0; i < N; i++) {
      csv.append(contexts[K * i]).append(',').append(contexts[K * i + 1]).append('\n');
    }
    Path context = Files.writeString(tmp.resolve("c.csv"), csv);
    Path x = tmp.resolve("x.npy");
    Path q = tmp.resolve("q.npy");
    CliProcess cli = CliProcess.dev(tmp.resolve("runs"));
    String dir = "--models-dir=" + models;
    CliProcess.Result r =
        cli.run(
            tmp.resolve("log"),
            "sample",
            "amortised",
            "-n",
            Integer.toString(N),
            "--context",
            context.toString(),
            "--out",
            x.toString(),
            "--log-q",
            q.toString(),
            dir);
    assertEquals(0, r.exitCode(), r.stderr());
    ArrayFiles.FloatArray samples = ArrayFiles.readNpy(x);
    assertArrayEquals(new long[] {N, 3}, samples.shape());
    double dx = FlowChecks.maxAbsDiff(samples.values(), jvmX);
    assertTrue(dx <= ExportTolerance.sample(jvmX), "max |x(CLI) − x(JVM)| = " + dx);
    double dq = FlowChecks.maxAbsDiff(ArrayFiles.readNpy(q).values(), jvmLogQ);
    assertTrue(dq <= ExportTolerance.logProb(jvmLogQ), "max |log q(CLI) − log q(JVM)| = " + dq);

    CliProcess.Result missing =
        cli.run(
            tmp.resolve("log-missing"),
            "sample",
            "amortised",
            "-n",
            "2",
            "--out",
            x.toString(),
            dir);
    assertEquals(2, missing.exitCode(), missing.stderr());
    assertEquals(1, missing.stderr().strip().lines().count(), missing.stderr());
    assertTrue(missing.stderr().contains("--context"), missing.stderr());
  }
}
