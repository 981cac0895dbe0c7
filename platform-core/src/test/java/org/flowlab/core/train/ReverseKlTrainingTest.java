package org.flowlab.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;
import org.flowlab.api.distribution.StandardNormal;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.nn.Scalars;
import org.flowlab.api.target.Target;
import org.flowlab.core.config.ExperimentConfig.OptimizerConfig;
import org.flowlab.core.config.ExperimentConfig.ScheduleConfig;
import org.flowlab.core.config.ExperimentConfig.TrainingConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reverse-KL training on samples of the flow: an elementwise affine flow fitted to a Gaussian
 * target finds its mean and scale, and a killed run resumes to the same parameters, bit for bit
 * ({@link ResumeChecks}).
 */
class ReverseKlTrainingTest {
  @TempDir Path tmp;

  /** Data → latent {@code z = (x − shift)·exp(−log_scale)}; sampling uses the default map. */
  static final class ShiftScale implements Bijector {
    final NDArray logScale;
    final NDArray shift;

    ShiftScale(ParameterScope scope) {
      logScale = scope.trainable("log_scale", new Shape(2), Initializer.ZEROS);
      shift = scope.trainable("shift", new Shape(2), Initializer.normal(0.1));
    }

    @Override
    public Transformed forward(NDArray x, LogDetMode mode) {
      NDArray logDet = logScale.sum().neg().broadcast(new Shape(x.getShape().get(0)));
      return new Transformed(x.sub(shift).mul(logScale.neg().exp()), logDet, LogDetMode.EXACT);
    }

    @Override
    public NDArray inverse(NDArray z) {
      return z.mul(logScale.exp()).add(shift);
    }
  }

  /** N((1, −2), 0.5²·I), normalised. */
  static final Target GAUSSIAN =
      new Target() {
        @Override
        public NDArray logDensity(NDArray x) {
          NDArray mean = x.getManager().create(new float[] {1, -2}, new Shape(1, 2));
          NDArray sq = Scalars.div(x.sub(mean), 0.5).square().sum(new int[] {1});
          return Scalars.mul(sq, -0.5).sub(Math.log(2 * Math.PI * 0.25));
        }

        @Override
        public int dim() {
          return 2;
        }

        @Override
        public OptionalDouble logNormalizer() {
          return OptionalDouble.of(0);
        }
      };

  static Flow flow(NDManager manager) {
    ParameterScope scope = ParameterScope.root(manager, 3);
    return new Flow(
        new Shape(2), new StandardNormal(), List.of(new ShiftScale(scope)), scope.parameters());
  }

  static Trainer trainer(Flow flow, NDManager manager, Path dir, long steps) {
    TrainingConfig config =
        new TrainingConfig(
            "cpu",
            128,
            steps,
            null,
            new OptimizerConfig(null, 0.05, 0.0, null, null),
            new ScheduleConfig("cosine", 0L, 0.1),
            5.0,
            10L,
            null,
            null,
            null,
            "reverse_kl");
    return new Trainer(
        config, 4, flow, new ReverseKlObjective(GAUSSIAN, 4, 128, 20), manager, dir, "h", "y");
  }

  @Test
  void theFlowFindsTheTargetsMeanAndScale() throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      Flow flow = flow(m);
      Trainer.Result r =
          trainer(flow, m, tmp.resolve("fit"), 300).train(new Trainer.Listener() {}, false);
      // −ELBO = KL(q ‖ p) − log Z with log Z = 0: the fitted flow is the target itself.
      assertTrue(r.bestValNll() < 0.01 && r.bestValNll() > -0.01, "−ELBO " + r.bestValNll());
      float[] logScale = flow.parameters().get(0).value().toFloatArray();
      float[] shift = flow.parameters().get(1).value().toFloatArray();
      assertArrayEquals(new float[] {1, -2}, shift, 0.05f);
      assertArrayEquals(
          new float[] {(float) Math.log(0.5), (float) Math.log(0.5)}, logScale, 0.05f);
    }
  }

  @Test
  void betaRisesFromOneHundredthToOneOverTheAnnealingSteps() {
    ReverseKlObjective annealed = new ReverseKlObjective(GAUSSIAN, 0, 8, 100);
    assertEquals(0.01, annealed.beta(0), 1e-12);
    assertEquals(0.51, annealed.beta(50), 1e-12);
    assertEquals(1.0, annealed.beta(99), 1e-12);
    assertEquals(1.0, annealed.beta(5000), 1e-12);
    assertEquals(1.0, new ReverseKlObjective(GAUSSIAN, 0, 8, 0).beta(0));
  }

  @Test
  void aKilledRunResumesToTheUninterruptedParameters() throws Exception {
    ResumeChecks.assertKilledRunResumesBitwise(
        ReverseKlTrainingTest::flow, (flow, m, dir) -> trainer(flow, m, dir, 40), tmp);
  }
}
