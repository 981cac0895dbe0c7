package org.flowlab.core.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import org.flowlab.api.bijector.AffineTransform;
import org.flowlab.api.bijector.Autoregressive;
import org.flowlab.api.distribution.StandardNormal;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.spi.FlowFamily;
import org.flowlab.core.config.ExperimentConfig.OptimizerConfig;
import org.flowlab.core.config.ExperimentConfig.ScheduleConfig;
import org.flowlab.core.config.ExperimentConfig.TrainingConfig;
import org.flowlab.core.config.VaeConfig;
import org.flowlab.core.data.DataSplits;
import org.flowlab.core.experiment.ResolvedModel;
import org.flowlab.core.train.ResumeChecks;
import org.flowlab.core.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A VAE with an IAF posterior (the iaf family's stack, built from platform-api) on 8×8 binary
 * images of bars trains through the {@link Trainer}: its validation −ELBO falls, and a killed run
 * resumes to the uninterrupted parameters (encoder, decoder and flow), bit for bit.
 */
class VaeTrainingTest {
  @TempDir Path tmp;

  /**
   * The IAF posterior: two affine autoregressive layers in the sampling direction, with context.
   */
  static final class TestIaf implements FlowFamily<TestIaf.Config> {
    record Config(int layers) {}

    @Override
    public String name() {
      return "test-iaf";
    }

    @Override
    public String description() {
      return "IAF stack for the VAE test";
    }

    @Override
    public Class<Config> configType() {
      return Config.class;
    }

    @Override
    public Flow build(Config config, BuildContext context) {
      int d = Math.toIntExact(context.eventShape().size());
      return new Flow(
          context.eventShape(),
          new StandardNormal(),
          Autoregressive.stack(
              context.parameters(),
              d,
              config.layers(),
              "reversed",
              List.of(16),
              Activation.ELU,
              false,
              AffineTransform.softClamped(3),
              Autoregressive.Direction.IAF,
              false,
              true,
              context.contextDim()),
          context.parameters().parameters());
    }
  }

  static final VaeConfig CONFIG = new VaeConfig(4, List.of(32, 16), "elu", 1, null);

  /** 8×8 images of one horizontal or vertical bar, each pixel flipped with probability 0.05. */
  static DataSplits bars() {
    return DataSplits.continuous(
        "bars",
        new Shape(1, 8, 8),
        draw(400, 1),
        draw(100, 2),
        draw(100, 3),
        OptionalDouble.empty());
  }

  private static float[] draw(int n, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    float[] out = new float[n * 64];
    for (int i = 0; i < n; i++) {
      boolean horizontal = rng.nextBoolean();
      int line = rng.nextInt(8);
      for (int r = 0; r < 8; r++) {
        for (int c = 0; c < 8; c++) {
          boolean on = horizontal ? r == line : c == line;
          out[i * 64 + r * 8 + c] = on ^ (rng.nextDouble() < 0.05) ? 1 : 0;
        }
      }
    }
    return out;
  }

  private final Map<Flow, VaeModel> models = new IdentityHashMap<>();
  private final DataSplits data = bars();

  private Flow build(NDManager m) {
    ResolvedModel iaf =
        new ResolvedModel(new TestIaf(), new TestIaf.Config(2), null, null, CONFIG.contextDim());
    VaeModel model = VaeModel.build(CONFIG, iaf::buildInto, 64, m, 7);
    assertTrue(model.hasFlow());
    Flow view = model.trainingView();
    models.put(view, model);
    return view;
  }

  private Trainer trainer(Flow flow, NDManager m, Path dir, long steps) {
    TrainingConfig config =
        new TrainingConfig(
            "cpu",
            50,
            steps,
            null,
            new OptimizerConfig(null, 3e-3, 0.0, null, null),
            new ScheduleConfig("constant", 0L, null),
            10.0,
            10L,
            null,
            null);
    return new Trainer(
        config, 5, flow, new VaeObjective(models.get(flow), data, 5, 50), m, dir, "h", "y");
  }

  @Test
  void negativeElboFallsWithAnIafPosterior() throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      Flow flow = build(m);
      VaeModel model = models.get(flow);
      double before = -VaeObjective.meanElbo(model, data.val(), 5, "vae/validation", m);
      var posterior =
          model.parameters().stream()
              .filter(p -> p.trainable() && p.name().startsWith("posterior."))
              .toList();
      List<float[]> initial = posterior.stream().map(p -> p.value().toFloatArray()).toList();
      Trainer.Result r =
          trainer(flow, m, tmp.resolve("fit"), 200).train(new Trainer.Listener() {}, false);
      double after = -VaeObjective.meanElbo(model, data.val(), 5, "vae/validation", m);
      assertEquals(200, r.steps());
      // 64 pixels at 1/2 each cost 44.4 nats; bars cost about 64·H(0.05) + log 16 ≈ 21.5
      assertTrue(before > 40, "untrained −ELBO " + before);
      assertTrue(after < before - 10, "−ELBO " + before + " → " + after);
      assertEquals(after, r.bestValNll(), 5.0, "validation is the −ELBO of the validation split");
      assertTrue(posterior.size() > 4, "the posterior flow's parameters are the VAE's");
      int moved = 0;
      for (int i = 0; i < posterior.size(); i++) {
        if (!java.util.Arrays.equals(initial.get(i), posterior.get(i).value().toFloatArray())) {
          moved++;
        }
      }
      assertEquals(posterior.size(), moved, "every parameter of the flow was trained");
    }
  }

  @Test
  void aKilledVaeRunResumesToTheUninterruptedParameters() throws Exception {
    ResumeChecks.assertKilledRunResumesBitwise(
        this::build, (flow, m, dir) -> trainer(flow, m, dir, 40), tmp);
  }
}
