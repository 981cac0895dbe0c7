package org.flowlab.plugins.iaf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.onnx.ExportTolerance;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.testkit.FlowChecks;
import org.flowlab.core.cli.CliProcess;
import org.flowlab.core.cli.CliRoundTrip;
import org.flowlab.core.tracking.LocalRunStore;
import org.flowlab.core.train.Checkpoint;
import org.flowlab.core.train.Trainer;
import org.flowlab.registry.ArrayFiles;
import org.flowlab.registry.ModelCard;
import org.flowlab.registry.ModelStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * IAF fitted by reverse KL to the energy U1 (no data block), served like any flow through the real
 * CLI in child JVMs: {@code export} publishes {@code log_prob} and {@code sample} with a density
 * card and an {@code MLmodel} that MLflow loads; {@code sample} draws from it; {@code score} gives
 * the log q of the JVM flow rebuilt from the run's best checkpoint.
 */
class IafReverseKlCliTest {
  private static final String U1 =
      """
      name: tiny-iaf-u1
      seed: 6
      target: {name: u1, anneal_steps: 10}
      model:
        family: iaf
        params: {layers: 2, hidden: [16, 16], activation: elu}
      training:
        objective: reverse_kl
        device: cpu
        batch_size: 64
        steps: 30
        checkpoint_every: 10
        optimizer: {lr: 5.0e-3}
      evaluation: {samples: 500, plots: false}
      """;

  @TempDir Path tmp;

  @Test
  void exportedReverseKlFitSamplesAndScoresAsTheJvmFlow() throws Exception {
    Path runs = tmp.resolve("runs");
    String models = "--models-dir=" + tmp.resolve("models");
    CliProcess cli = CliProcess.dev(runs);
    Path config = Files.writeString(tmp.resolve("u1.yaml"), U1);
    CliProcess.Result trained = cli.run(tmp.resolve("log"), "run", config.toString());
    assertEquals(0, trained.exitCode(), trained.stderr());
    String runId = new LocalRunStore(runs).listRuns().get(0).id();

    CliProcess.Result exported = cli.run(tmp.resolve("log-export"), "export", runId, models);
    assertEquals(0, exported.exitCode(), exported.stdout() + exported.stderr());
    assertTrue(exported.stdout().contains("samples of the flow"), exported.stdout());
    ModelStore.Registered stored = new ModelStore(tmp.resolve("models")).resolve("tiny-iaf-u1");
    ModelCard card = stored.card();
    assertEquals(ModelCard.DENSITY_GRAPHS, card.graphs());
    assertArrayEquals(new long[] {2}, card.eventShape());
    assertEquals(List.of(), card.preprocessing());
    assertTrue(card.parity().passed(), card.parity().toString());
    assertTrue(Files.size(stored.logProbFile()) > 0 && Files.size(stored.sampleFile()) > 0);
    String signature = CliRoundTrip.mlflowSignature(stored.dir());
    assertTrue(signature.contains("'x': Tensor('float32', (-1, 2))"), signature);
    assertTrue(signature.contains("'log_prob': Tensor('float32', (-1,))"), signature);

    int n = 100;
    Path samples = tmp.resolve("x.npy");
    CliProcess.Result sampled =
        cli.run(
            tmp.resolve("log-sample"),
            "sample",
            "tiny-iaf-u1",
            "-n",
            Integer.toString(n),
            "--out",
            samples.toString(),
            models);
    assertEquals(0, sampled.exitCode(), sampled.stdout() + sampled.stderr());
    ArrayFiles.FloatArray x = ArrayFiles.readNpy(samples);
    assertArrayEquals(new long[] {n, 2}, x.shape());
    CliProcess.Result scored =
        cli.run(tmp.resolve("log-score"), "score", "tiny-iaf-u1", samples.toString(), models);
    assertEquals(0, scored.exitCode(), scored.stdout() + scored.stderr());
    float[] ort = new float[n];
    List<String> lines = scored.stdout().lines().toList();
    for (int i = 0; i < n; i++) {
      ort[i] = Float.parseFloat(lines.get(i).trim());
    }

    float[] jvm;
    try (NDManager m = NDManager.newBaseManager()) {
      Flow flow =
          new IafFamily()
              .build(
                  new IafConfig(
                      2, List.of(16, 16), null, "elu", null, null, null, null, null, null),
                  new BuildContext(new Shape(2), ParameterScope.root(m, 6)));
      Path best = new LocalRunStore(runs).runDir(runId).resolve("checkpoints/best.ckpt");
      Trainer.restore(flow, Checkpoint.read(best, m).params());
      jvm = flow.logProb(m.create(x.values(), new Shape(n, 2))).toFloatArray();
    }
    double worst = FlowChecks.maxAbsDiff(ort, jvm); // score prints 6 decimals
    System.out.println("reverse-KL IAF: max |log p(CLI score) − log p(JVM)| " + worst);
    assertTrue(worst <= ExportTolerance.logProb(jvm), "max |log p(CLI) − log p(JVM)| " + worst);
  }
}
