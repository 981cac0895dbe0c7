package org.flowlab.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.flowlab.api.distribution.StandardNormal;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.nn.Linear;
import org.flowlab.api.nn.Parameter;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.core.config.ExperimentConfig.OptimizerConfig;
import org.flowlab.core.config.ExperimentConfig.ScheduleConfig;
import org.flowlab.core.config.ExperimentConfig.TrainingConfig;
import org.flowlab.core.data.DataSplits;
import org.flowlab.core.data.Datasets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training under {@code training.precision} bfloat16 and float16 on real libtorch kernels: master
 * weights, gradients, optimizer state and checkpoints stay float32; float16's loss scaler skips a
 * step and halves on a real infinite gradient, grows after its interval, and a killed float16 run
 * resumes with the scale it stopped at, ending bitwise like the uninterrupted run.
 */
class PrecisionTrainingTest {
  @TempDir Path tmp;

  /**
   * An additive coupling z = (x₁, x₂ + net(x₁)) whose shift is a {@link Linear}: the matmul that
   * autocast casts; log-det 0.
   */
  static final class LinearShift implements Bijector {
    final Linear net;

    LinearShift(ParameterScope scope) {
      net = new Linear(scope.child("net"), 1, 1, false);
    }

    @Override
    public Transformed forward(NDArray x, LogDetMode mode) {
      NDArray kept = x.get(":, 0:1");
      NDArray z = NDArrays.concat(new NDList(kept, x.get(":, 1:2").add(net.forward(kept))), 1);
      return new Transformed(z, x.getManager().zeros(new Shape(x.getShape().get(0))), mode);
    }

    @Override
    public NDArray inverse(NDArray z) {
      NDArray kept = z.get(":, 0:1");
      return NDArrays.concat(new NDList(kept, z.get(":, 1:2").sub(net.forward(kept))), 1);
    }
  }

  /** The flow as the host trains it at {@code precision}: packed parameters, the run's autocast. */
  static Flow flow(NDManager manager, long seed, String precision) {
    ParameterScope layout = ParameterScope.root(manager, seed);
    build(layout);
    PackedParameters packed = PackedParameters.create(layout.parameters(), manager);
    assertNotNull(packed);
    ParameterScope scope =
        ParameterScope.root(manager, seed, packed, TorchAutocast.of(precision, manager));
    return build(scope);
  }

  private static Flow build(ParameterScope scope) {
    Shape shape = new Shape(2);
    List<Bijector> steps =
        List.of(
            new LinearShift(scope.child("shift")),
            new TrainerTest.FragileScale(scope.child("s"), 2));
    return new Flow(shape, new StandardNormal(), steps, scope.parameters());
  }

  static TrainingConfig training(long steps, String precision) {
    return new TrainingConfig(
        "cpu",
        64,
        steps,
        null,
        new OptimizerConfig(null, 0.01, 1e-4, null, null),
        new ScheduleConfig("cosine", 5L, 0.1),
        5.0,
        20L,
        20L,
        null,
        precision,
        null);
  }

  /**
   * 8 Gaussians scaled by 30: with the loss scaled by 2^16 the first float16 weight gradients pass
   * float16's largest value (65504) and become infinite.
   */
  static DataSplits wideData() {
    DataSplits d = Datasets.load("8gaussians", 1000, 200, 200, 3);
    return DataSplits.continuous(
        "wide",
        d.eventShape(),
        times(d.train().floats(), 30),
        times(d.val().floats(), 30),
        times(d.test().floats(), 30),
        OptionalDouble.empty());
  }

  private static float[] times(float[] values, float c) {
    float[] out = values.clone();
    for (int i = 0; i < out.length; i++) {
      out[i] *= c;
    }
    return out;
  }

  @Test
  void bfloat16KeepsWeightsGradientsOptimizerStateAndCheckpointsFloat32() throws Exception {
    DataSplits data = Datasets.load("8gaussians", 1000, 200, 200, 3);
    try (NDManager m = NDManager.newBaseManager()) {
      Flow f = flow(m, 5, "bfloat16");
      List<Parameter> trainable = f.parameters().stream().filter(Parameter::trainable).toList();
      AdamW adam = new AdamW(trainable, m, 0.9, 0.999, 1e-8, 0.0);
      f.initialize(m.create(data.train().floats(), new Shape(1000, 2)));
      try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
        NDArray x = m.create(data.train().floats(), new Shape(1000, 2));
        c.backward(f.logProb(x, LogDetMode.EXACT).value().mean().neg());
      }
      adam.step(0.01, 1.0);
      for (NDArray g : adam.parameterGradients()) {
        assertEquals(DataType.FLOAT32, g.getDataType());
      }
      double netGradient = adam.parameterGradients().get(0).abs().sum().getFloat();
      assertTrue(netGradient > 0, "the gradient reaches the Linear's weight through the casts");
      for (Parameter p : f.parameters()) {
        assertEquals(DataType.FLOAT32, p.value().getDataType(), p.name());
      }
      for (NDArray a : adam.state(m)) {
        assertTrue(a.getName().equals("t") || a.getDataType() == DataType.FLOAT32, a.getName());
      }

      Flow g = flow(m, 5, "bfloat16");
      double[] lastLoss = {Double.NaN};
      Trainer t = new Trainer(training(30, "bfloat16"), 5, g, data, m, tmp, "h", "cfg");
      t.train(
          new Trainer.Listener() {
            @Override
            public void onStep(
                long step, double loss, double lr, double gradNorm, Map<String, Double> fig) {
              lastLoss[0] = loss;
            }
          },
          false);
      assertTrue(Double.isFinite(lastLoss[0]));
      for (NDArray p : Checkpoint.read(t.lastCheckpoint(), m).params()) {
        assertEquals(DataType.FLOAT32, p.getDataType(), p.getName());
      }
      for (NDArray a : Checkpoint.read(t.lastCheckpoint(), m).optimizer()) {
        assertTrue(a.getName().equals("t") || a.getDataType() == DataType.FLOAT32, a.getName());
      }
    }
  }

  /** Loss scale and skipped steps after every step of a float16 run, by step. */
  private static final class ScaleLog implements Trainer.Listener {
    final Map<Long, Double> scale = new java.util.TreeMap<>();
    final Map<Long, Long> skipped = new java.util.TreeMap<>();
    final List<Double> losses = new ArrayList<>();

    @Override
    public void onLossScale(long step, double s, long skippedSteps) {
      scale.put(step, s);
      skipped.put(step, skippedSteps);
    }

    @Override
    public void onStep(long step, double loss, double lr, double g, Map<String, Double> fig) {
      losses.add(loss);
    }
  }

  @Test
  void float16SkipsAStepWithAnInfiniteGradientAndHalvesTheScale() throws Exception {
    DataSplits data = wideData();
    try (NDManager m = NDManager.newBaseManager()) {
      Flow f = flow(m, 7, "float16");
      ScaleLog log = new ScaleLog();
      new Trainer(training(40, "float16"), 7, f, data, m, tmp, "h", "cfg").train(log, false);
      long skipped = log.skipped.get(39L);
      assertTrue(skipped >= 1, "the scaled float16 gradient overflowed at least once");
      assertEquals(
          LossScaler.INITIAL_SCALE / Math.pow(2, skipped),
          log.scale.get(39L),
          "each skipped step halved the scale (no growth within 2000 clean steps)");
      assertEquals(1L, log.skipped.get(0L), "the very first step overflows at 2^16");
      assertEquals(LossScaler.INITIAL_SCALE / 2, log.scale.get(0L));
      for (double loss : log.losses) {
        assertTrue(Double.isFinite(loss));
      }
      assertTrue(
          log.losses.get(39) < log.losses.get(0),
          "it trains: " + log.losses.get(0) + " -> " + log.losses.get(39));
    }
  }

  @Test
  void theScaleGrowsAfterItsIntervalOfCleanStepsAndAnInfResetsTheCount() {
    LossScaler s = new LossScaler(8.0, 3);
    assertTrue(s.update(1.0));
    assertTrue(s.update(1.0));
    assertEquals(8.0, s.scale());
    assertTrue(s.update(1.0));
    assertEquals(16.0, s.scale(), "doubled after 3 clean steps");
    assertTrue(s.update(1.0));
    assertFalse(s.update(Double.POSITIVE_INFINITY));
    assertEquals(8.0, s.scale());
    assertFalse(s.update(Double.NaN));
    assertEquals(4.0, s.scale());
    assertEquals(2, s.skippedSteps());
    assertTrue(s.update(1.0));
    assertTrue(s.update(1.0));
    assertEquals(4.0, s.scale(), "the count restarted at the skipped step");
    assertTrue(s.update(1.0));
    assertEquals(8.0, s.scale());
  }

  @Test
  void aKilledFloat16RunResumesWithTheSavedScaleAndEndsBitwiseLikeTheUninterruptedRun()
      throws Exception {
    DataSplits data = wideData();
    ScaleLog straight = new ScaleLog();
    List<float[]> uninterrupted;
    try (NDManager m = NDManager.newBaseManager()) {
      Flow f = flow(m, 9, "float16");
      new Trainer(training(60, "float16"), 9, f, data, m, tmp.resolve("a"), "h", "cfg")
          .train(straight, false);
      uninterrupted = TrainerTest.values(f);
    }
    assertTrue(straight.skipped.get(19L) >= 1, "a skip before the step-20 checkpoint");
    try (NDManager m = NDManager.newBaseManager()) {
      Flow f = flow(m, 9, "float16");
      Trainer t = new Trainer(training(60, "float16"), 9, f, data, m, tmp.resolve("b"), "h", "");
      RuntimeException killed = new RuntimeException("killed");
      Trainer.Listener dieAt33 =
          new Trainer.Listener() {
            @Override
            public void onStep(long step, double l, double lr, double g, Map<String, Double> x) {
              if (step == 33) {
                throw killed;
              }
            }
          };
      assertThrows(RuntimeException.class, () -> t.train(dieAt33, false));
    }
    try (NDManager m = NDManager.newBaseManager()) {
      Checkpoint saved = Checkpoint.read(tmp.resolve("b/last.ckpt"), m);
      assertEquals(20, saved.step());
      assertEquals(
          straight.scale.get(19L), saved.optimizer().get("scaler/scale").toDoubleArray()[0]);
      Flow f = flow(m, 9, "float16");
      ScaleLog resumed = new ScaleLog();
      new Trainer(training(60, "float16"), 9, f, data, m, tmp.resolve("b"), "h", "")
          .train(resumed, true);
      assertEquals(20L, resumed.scale.keySet().iterator().next(), "resumed at step 20");
      assertEquals(straight.skipped.get(59L), resumed.skipped.get(59L));
      assertEquals(straight.scale.get(59L), resumed.scale.get(59L));
      List<float[]> values = TrainerTest.values(f);
      for (int i = 0; i < values.size(); i++) {
        assertArrayEquals(uninterrupted.get(i), values.get(i), "parameter " + i);
      }
    }
  }
}
