package org.flowlab.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import org.flowlab.api.bijector.ActNorm;
import org.flowlab.api.bijector.AffineTransform;
import org.flowlab.api.bijector.Autoregressive;
import org.flowlab.api.device.DeviceCheck;
import org.flowlab.api.device.DevicePlacementException;
import org.flowlab.api.distribution.StandardNormal;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.Made;
import org.flowlab.api.nn.Parameter;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.core.config.ExperimentConfig.DataConfig;
import org.flowlab.core.config.ExperimentConfig.OptimizerConfig;
import org.flowlab.core.config.ExperimentConfig.ScheduleConfig;
import org.flowlab.core.config.ExperimentConfig.TrainingConfig;
import org.flowlab.core.data.DataSplits;
import org.flowlab.core.data.Datasets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {
  @TempDir Path tmp;

  /** z = x·a with log-det Σ log a — deliberately not log|a|: a driven negative gives NaN. */
  static final class FragileScale implements Bijector {
    final NDArray a;

    FragileScale(ParameterScope scope, int dim) {
      a = scope.trainable("a", new Shape(dim), Initializer.ONES);
    }

    @Override
    public Transformed forward(NDArray x, LogDetMode mode) {
      NDArray logDet = a.log().sum().broadcast(new Shape(x.getShape().get(0)));
      return new Transformed(x.mul(a), logDet, LogDetMode.EXACT);
    }

    @Override
    public NDArray inverse(NDArray z) {
      return z.div(a);
    }
  }

  /** The test flow as the host trains it: trainable parameters packed in one buffer. */
  static Flow flow(NDManager manager, long seed) {
    Flow layout = unpackedFlow(manager, seed);
    PackedParameters packed = PackedParameters.create(layout.parameters(), manager);
    assertNotNull(packed, "the CPU engine wraps direct buffers");
    return flow(ParameterScope.root(manager, seed, packed));
  }

  /** The test flow with every parameter a tensor of its own. */
  static Flow unpackedFlow(NDManager manager, long seed) {
    return flow(ParameterScope.root(manager, seed));
  }

  private static Flow flow(ParameterScope scope) {
    Shape shape = new Shape(2);
    List<Bijector> steps =
        List.of(
            new ActNorm(scope.child("norm"), shape),
            new FragileScale(scope.child("scale"), 2),
            new ActNorm(scope.child("norm2"), shape));
    return new Flow(shape, new StandardNormal(), steps, scope.parameters());
  }

  static TrainingConfig training(long steps, double lr) {
    return new TrainingConfig(
        "cpu",
        64,
        steps,
        null,
        new OptimizerConfig(null, lr, 1e-4, null, null),
        new ScheduleConfig("cosine", 5L, 0.1),
        5.0,
        20L,
        20L,
        null,
        null,
        null);
  }

  static DataSplits data() {
    return Datasets.load("gaussian", 1000, 200, 200, 3);
  }

  /** 8 Gaussians whose points carry their one-hot component: 8 context features. */
  static DataSplits conditionalData() {
    return Datasets.load(
        new DataConfig("8gaussians", null, 2000, 200, 500, null, null, "component"), 3);
  }

  /**
   * One conditional MAF layer after an actnorm: its MADE reads the component, so {@code p(x | k)},
   * a Gaussian per k, is within its reach.
   */
  static Flow conditionalFlow(NDManager manager, long seed) {
    ParameterScope scope = ParameterScope.root(manager, seed);
    Shape shape = new Shape(2);
    List<Bijector> steps =
        List.of(
            new ActNorm(scope.child("norm"), shape),
            new Autoregressive(
                scope.child("maf"),
                Made.naturalOrder(2),
                List.of(16),
                Activation.TANH,
                AffineTransform.softClamped(3.0),
                Autoregressive.Direction.MAF,
                true,
                8));
    return new Flow(shape, new StandardNormal(), steps, scope.parameters());
  }

  static List<float[]> values(Flow flow) {
    List<float[]> out = new ArrayList<>();
    for (Parameter p : flow.parameters()) {
      out.add(p.value().toFloatArray());
    }
    return out;
  }

  @Test
  void resumedRunEndsBitwiseEqualToUninterruptedRun() throws Exception {
    resumeIsBitwise(TrainerTest::flow, "packed");
  }

  @Test
  void resumedRunOfUnpackedParametersEndsBitwiseEqual() throws Exception {
    resumeIsBitwise(TrainerTest::unpackedFlow, "unpacked");
  }

  @Test
  void resumedConditionalRunEndsBitwiseEqual() throws Exception {
    resumeIsBitwise(TrainerTest::conditionalFlow, "conditional", conditionalData());
  }

  @Test
  void aConditionalFlowLearnsFromTheContext() throws Exception {
    DataSplits data = conditionalData();
    assertEquals(8, data.contextDim());
    try (NDManager m = NDManager.newBaseManager()) {
      Flow f = conditionalFlow(m, 1);
      Trainer t = new Trainer(training(300, 0.02), 1, f, data, m, tmp, "h", "cfg");
      t.train(new Trainer.Listener() {}, false);
      double nll = t.nll(data.test(), "test");
      // Without the component the floor is the mixture's entropy, 2.83 nats; given it, H(X | k) =
      // log(2πe σ²) = 0.76. Below 1.5 the flow must have read the context.
      assertEquals(0.7587, data.entropy().getAsDouble(), 1e-3);
      assertTrue(nll < 1.5, "conditional test NLL " + nll);
    }
  }

  @Test
  void packedAndUnpackedParametersTrainAlike() throws Exception {
    DataSplits data = data();
    try (NDManager m = NDManager.newBaseManager()) {
      Flow packed = flow(m, 5);
      Flow unpacked = unpackedFlow(m, 5);
      for (Parameter p : packed.parameters()) {
        assertEquals(p.trainable(), p.storage() instanceof PackedParameters, p.name());
      }
      new Trainer(training(30, 0.05), 5, packed, data, m, tmp.resolve("p"), "h", "cfg")
          .train(new Trainer.Listener() {}, false);
      new Trainer(training(30, 0.05), 5, unpacked, data, m, tmp.resolve("u"), "h", "cfg")
          .train(new Trainer.Listener() {}, false);
      List<float[]> a = values(packed);
      List<float[]> b = values(unpacked);
      for (int i = 0; i < a.size(); i++) {
        for (int j = 0; j < a.get(i).length; j++) {
          assertEquals(b.get(i)[j], a.get(i)[j], 1e-4, "parameter " + i);
        }
      }
      // Initialisation, restore and updates write around autograd: every view keeps its cheap
      // backward node (a write through the view itself would rebuild it as an as_strided over
      // the whole buffer on every step).
      for (Parameter p : packed.parameters()) {
        if (p.trainable()) {
          assertEquals(
              "ViewBackward0",
              ai.djl.pytorch.jni.JniUtils.getGradientFunctionNames(
                  (ai.djl.pytorch.engine.PtNDArray) p.value()),
              p.name());
        }
      }
    }
  }

  private void resumeIsBitwise(
      java.util.function.BiFunction<NDManager, Long, Flow> build, String dir) throws Exception {
    resumeIsBitwise(build, dir, data());
  }

  private void resumeIsBitwise(
      java.util.function.BiFunction<NDManager, Long, Flow> build, String dir, DataSplits data)
      throws Exception {
    Path a = tmp.resolve(dir).resolve("a");
    Path b = tmp.resolve(dir).resolve("b");
    List<float[]> uninterrupted;
    double bestUninterrupted;
    try (NDManager m = NDManager.newBaseManager()) {
      Flow f = build.apply(m, 7L);
      Trainer t = new Trainer(training(60, 0.05), 7, f, data, m, a, "h", "cfg");
      bestUninterrupted = t.train(new Trainer.Listener() {}, false).bestValNll();
      uninterrupted = values(f);
    }
    try (NDManager m = NDManager.newBaseManager()) {
      Flow f = build.apply(m, 7L);
      Trainer t = new Trainer(training(60, 0.05), 7, f, data, m, b, "h", "cfg");
      RuntimeException killed = new RuntimeException("killed");
      Trainer.Listener dieAt33 =
          new Trainer.Listener() {
            @Override
            public void onStep(
                long step,
                double loss,
                double lr,
                double gradNorm,
                java.util.Map<String, Double> figures) {
              if (step == 33) {
                throw killed;
              }
            }
          };
      assertThrows(RuntimeException.class, () -> t.train(dieAt33, false));
    }
    try (NDManager m = NDManager.newBaseManager()) {
      Flow f = build.apply(m, 7L);
      Trainer t = new Trainer(training(60, 0.05), 7, f, data, m, b, "h", "cfg");
      long[] firstStep = {-1};
      Trainer.Result r =
          t.train(
              new Trainer.Listener() {
                @Override
                public void onStart(long startStep, long totalSteps) {
                  firstStep[0] = startStep;
                }
              },
              true);
      assertEquals(20, firstStep[0], "resumes from the last checkpoint, written at step 20");
      assertEquals(bestUninterrupted, r.bestValNll());
      List<float[]> resumed = values(f);
      for (int i = 0; i < resumed.size(); i++) {
        assertArrayEquals(uninterrupted.get(i), resumed.get(i), "parameter " + i);
      }
    }
  }

  @Test
  void aDamagedLastCheckpointFallsBackToTheNewestWholeOne() throws Exception {
    DataSplits data = data();
    List<float[]> uninterrupted;
    try (NDManager m = NDManager.newBaseManager()) {
      Flow f = flow(m, 7);
      new Trainer(training(60, 0.05), 7, f, data, m, tmp.resolve("a"), "h", "cfg")
          .train(new Trainer.Listener() {}, false);
      uninterrupted = values(f);
    }
    Path dir = tmp.resolve("b");
    try (NDManager m = NDManager.newBaseManager()) {
      Trainer t = new Trainer(training(60, 0.05), 7, flow(m, 7), data, m, dir, "h", "cfg");
      Trainer.Listener dieAt45 =
          new Trainer.Listener() {
            @Override
            public void onStep(
                long step,
                double loss,
                double lr,
                double gradNorm,
                java.util.Map<String, Double> figures) {
              if (step == 45) {
                throw new RuntimeException("killed");
              }
            }
          };
      assertThrows(RuntimeException.class, () -> t.train(dieAt45, false));
      assertEquals(20, Checkpoint.read(t.previousCheckpoint(), m).step(), "previous kept");
      // The last checkpoint is torn (a disk fault); a kill left an empty temporary beside it.
      byte[] whole = Files.readAllBytes(t.lastCheckpoint());
      Files.write(t.lastCheckpoint(), java.util.Arrays.copyOf(whole, whole.length / 3));
      Files.createFile(dir.resolve(".last.ckpt123456.tmp"));
      var e = assertThrows(java.io.IOException.class, () -> Checkpoint.read(t.lastCheckpoint(), m));
      assertTrue(e.getMessage().startsWith(t.lastCheckpoint() + ": damaged"), e.getMessage());
    }
    try (NDManager m = NDManager.newBaseManager()) {
      Flow f = flow(m, 7);
      Trainer t = new Trainer(training(60, 0.05), 7, f, data, m, dir, "h", "cfg");
      long bestStep = Checkpoint.read(t.bestCheckpoint(), m).step();
      long[] firstStep = {-1};
      t.train(
          new Trainer.Listener() {
            @Override
            public void onStart(long startStep, long totalSteps) {
              firstStep[0] = startStep;
            }
          },
          true);
      assertEquals(Math.max(20, bestStep), firstStep[0], "the newest whole checkpoint");
      List<float[]> resumed = values(f);
      for (int i = 0; i < resumed.size(); i++) {
        assertArrayEquals(uninterrupted.get(i), resumed.get(i), "parameter " + i);
      }
      assertFalse(Files.exists(dir.resolve(".last.ckpt123456.tmp")), "stale temporary removed");
    }
  }

  @Test
  void resumingWithAnotherConfigIsRefused() throws Exception {
    DataSplits data = data();
    try (NDManager m = NDManager.newBaseManager()) {
      new Trainer(training(20, 0.05), 7, flow(m, 7), data, m, tmp, "hash-a", "cfg")
          .train(new Trainer.Listener() {}, false);
      Trainer other = new Trainer(training(40, 0.05), 7, flow(m, 7), data, m, tmp, "hash-b", "cfg");
      var e =
          assertThrows(
              org.flowlab.core.config.ConfigException.class,
              () -> other.train(new Trainer.Listener() {}, true));
      assertTrue(e.getMessage().contains("written with config hash-a"), e.getMessage());
    }
  }

  @Test
  void trainingReducesNllTowardsTheEntropy() throws Exception {
    DataSplits data = data();
    try (NDManager m = NDManager.newBaseManager()) {
      Flow f = flow(m, 1);
      Trainer t = new Trainer(training(200, 0.05), 1, f, data, m, tmp, "h", "cfg");
      double before = t.nll(data.test(), "test");
      t.train(new Trainer.Listener() {}, false);
      double after = t.nll(data.test(), "test");
      double entropy = data.entropy().getAsDouble();
      assertTrue(after < before, "NLL " + before + " -> " + after);
      // The flow is a diagonal affine map, so its best fit to N(0, S) with S = [[2, 1.2], [1.2, 1]]
      // is the diagonal Gaussian, whose gap to the entropy is log(S11 * S22 / det S) / 2.
      double optimalGap = 0.5 * Math.log(2 / 0.56);
      assertEquals(optimalGap, after - entropy, 0.08, "gap to the entropy after training");
    }
  }

  @Test
  void divergenceStopsWithADiagnosisAndLeavesTheLastCheckpointIntact() throws Exception {
    DataSplits data = data();
    try (NDManager m = NDManager.newBaseManager()) {
      Flow f = flow(m, 2);
      Trainer t = new Trainer(training(400, 50.0), 2, f, data, m, tmp, "h", "cfg");
      TrainingDivergedException e =
          assertThrows(
              TrainingDivergedException.class, () -> t.train(new Trainer.Listener() {}, false));
      assertTrue(
          e.getMessage().startsWith("training diverged at step " + e.step()), e.getMessage());
      assertTrue(
          e.getMessage().contains("NaN") || e.getMessage().contains("Infinity"), e.getMessage());
      if (Files.exists(t.lastCheckpoint())) {
        Checkpoint c = Checkpoint.read(t.lastCheckpoint(), m);
        assertTrue(c.step() <= e.step());
        for (NDArray p : c.params()) {
          assertFalse(p.isNaN().any().getBoolean(), p.getName() + " is finite in the checkpoint");
        }
      }
    }
  }

  @Test
  void checkpointRoundTripsParametersBitForBit() throws Exception {
    DataSplits data = data();
    try (NDManager m = NDManager.newBaseManager()) {
      Flow f = flow(m, 4);
      Trainer t = new Trainer(training(20, 0.05), 4, f, data, m, tmp, "hash-1", "name: x\n");
      t.train(new Trainer.Listener() {}, false);
      Checkpoint c = Checkpoint.read(t.lastCheckpoint(), m);
      assertEquals(20, c.step());
      assertEquals("hash-1", c.configHash());
      assertEquals("name: x\n", c.configYaml());
      Flow g = flow(m, 99);
      Trainer.restore(g, c.params());
      List<float[]> a = values(f);
      List<float[]> b = values(g);
      for (int i = 0; i < a.size(); i++) {
        assertArrayEquals(a.get(i), b.get(i));
      }
      assertEquals(
          OptionalDouble.of(t.nll(data.test(), "test")).getAsDouble(),
          Trainer.meanNll(g, data.test().floats(), data.eventShape(), m));
    }
  }

  @Test
  void deviceCheckModePassesARunOnItsDeviceAndNamesAStrayParameter() throws Exception {
    DataSplits data = data();
    System.setProperty(DeviceCheck.PROPERTY, "true");
    try (NDManager m = NDManager.newBaseManager();
        NDManager own = NDManager.newBaseManager()) {
      Flow onDevice = flow(m, 5);
      new Trainer(training(3, 0.05), 5, onDevice, data, m, tmp.resolve("ok"), "h", "cfg")
          .train(new Trainer.Listener() {}, false);

      // A parameter created on a manager of its own: on a GPU run it would sit on another device.
      ParameterScope scope = ParameterScope.root(m, 5);
      ParameterScope stray = ParameterScope.root(own, 5).child("stray");
      List<Bijector> steps =
          List.of(new ActNorm(scope.child("norm"), new Shape(2)), new FragileScale(stray, 2));
      List<Parameter> parameters = new ArrayList<>(scope.parameters());
      parameters.addAll(stray.parameters());
      Flow planted = new Flow(new Shape(2), new StandardNormal(), steps, parameters);
      Trainer t = new Trainer(training(3, 0.05), 5, planted, data, m, tmp.resolve("bad"), "h", "");
      DevicePlacementException e =
          assertThrows(
              DevicePlacementException.class, () -> t.train(new Trainer.Listener() {}, false));
      assertTrue(
          e.getMessage()
              .startsWith(
                  "device check: parameter stray.a is on cpu() but was created outside the run's"
                      + " manager"),
          e.getMessage());
    } finally {
      System.clearProperty(DeviceCheck.PROPERTY);
    }
  }

  @Test
  void evaluationChunksGrowWithFreeGpuMemoryAndStayAsTheyWereOnTheCpu() {
    assertEquals(41, Trainer.evaluationChunk(784, ai.djl.Device.cpu()));
    assertEquals(8192, Trainer.evaluationChunk(2, ai.djl.Device.cpu()));
    assertEquals(41, Trainer.evaluationChunk(784, java.util.OptionalLong.empty()));
    long h200 = 139L << 30;
    assertEquals(951, Trainer.evaluationChunk(784, java.util.OptionalLong.of(h200)));
    assertEquals(65_536, Trainer.evaluationChunk(2, java.util.OptionalLong.of(h200)));
    assertEquals(
        41,
        Trainer.evaluationChunk(784, java.util.OptionalLong.of(1L << 30)),
        "a nearly full GPU keeps the CPU's chunk");
  }
}
