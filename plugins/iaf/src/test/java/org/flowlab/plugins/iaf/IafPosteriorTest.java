package org.flowlab.plugins.iaf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.target.Target;
import org.flowlab.api.target.TargetDensity;
import org.flowlab.core.cli.CliProcess;
import org.flowlab.core.config.ExperimentConfig.OptimizerConfig;
import org.flowlab.core.config.ExperimentConfig.ScheduleConfig;
import org.flowlab.core.config.ExperimentConfig.TrainingConfig;
import org.flowlab.core.tracking.LocalRunStore;
import org.flowlab.core.tracking.RunSummary;
import org.flowlab.core.train.ResumeChecks;
import org.flowlab.core.train.ReverseKlObjective;
import org.flowlab.core.train.Trainer;
import org.flowlab.core.vi.BuiltInTargets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * IAF as a variational posterior ({@code training.objective: reverse_kl}): through the real CLI a
 * short fit to U1 trains on its own one-pass samples and reports the ELBO, the importance-sampled
 * log Z, its ESS and the reverse KL; and a run killed mid-way resumes, in process, to the
 * parameters of the uninterrupted run, bit for bit.
 */
class IafPosteriorTest {
  private static final String TINY =
      """
      name: tiny-iaf-posterior
      seed: 2
      target: {name: u1, anneal_steps: 20}
      model:
        family: iaf
        params: {layers: 4, hidden: [16, 16], activation: elu}
      training:
        objective: reverse_kl
        device: cpu
        batch_size: 64
        steps: 80
        optimizer: {lr: 1.0e-2}
        checkpoint_every: 40
        log_every: 10
      evaluation: {samples: 2000, grid_size: 40}
      """;

  @TempDir Path tmp;

  @Test
  void anIafPosteriorFitsU1AndReportsTheReverseKl() throws Exception {
    Path runs = tmp.resolve("runs");
    Path config = Files.writeString(tmp.resolve("tiny.yaml"), TINY);
    CliProcess.Result r = CliProcess.dev(runs).run(tmp.resolve("log"), "run", config.toString());
    assertEquals(0, r.exitCode(), r.stderr());
    LocalRunStore store = new LocalRunStore(runs);
    RunSummary run = store.listRuns().get(0);
    assertEquals("FINISHED", run.status().toString());
    assertEquals("iaf", run.tags().get("flowlab.family"));
    assertEquals("u1", run.tags().get("flowlab.target"));
    Map<String, Double> m = run.latestMetrics();
    double elbo = m.get("test/elbo");
    assertEquals(m.get("test/log_z") - elbo, m.get("test/reverse_kl"), 1e-9);
    assertTrue(m.get("test/reverse_kl") > 0, "KL(q ‖ p) ≥ 0 up to sampling noise: " + m);
    assertTrue(m.get("test/ess") > 0 && m.get("test/ess") <= 1, "ESS fraction " + m);
    assertTrue(m.get("test/log_z_is") >= elbo, "Jensen: log mean w ≥ mean log w " + m);
    List<Double> losses =
        store.metricHistory(run.id(), "train/loss").stream().map(p -> p.value()).toList();
    assertEquals(8, losses.size(), "every 10 of 80 steps");
    List<Double> validation =
        store.metricHistory(run.id(), "val/nll").stream().map(p -> p.value()).toList();
    assertEquals(2, validation.size(), "at steps 40 and 80");
    assertTrue(validation.get(1) < validation.get(0), "the −ELBO falls: " + validation);
    assertTrue(Files.size(store.runDir(run.id()).resolve("artifacts/evaluation/target.png")) > 0);
  }

  @Test
  void aKilledRunResumesToTheUninterruptedParameters() throws Exception {
    Target u1 = u1();
    ResumeChecks.assertKilledRunResumesBitwise(
        IafPosteriorTest::flow, (flow, m, dir) -> trainer(u1, flow, m, dir), tmp);
  }

  /** The host's U1 with its default params (the all-null record, as an empty YAML block binds). */
  private static Target u1() throws ReflectiveOperationException {
    TargetDensity<?> density =
        BuiltInTargets.all().stream().filter(t -> t.name().equals("u1")).findFirst().orElseThrow();
    return build(density);
  }

  private static <C> Target build(TargetDensity<C> density) throws ReflectiveOperationException {
    var constructor = density.configType().getDeclaredConstructors()[0];
    constructor.setAccessible(true);
    Object[] nulls = new Object[constructor.getParameterCount()];
    return density.build(density.configType().cast(constructor.newInstance(nulls)), null);
  }

  private static Flow flow(NDManager m) {
    IafConfig config =
        new IafConfig(3, List.of(16, 16), null, "elu", null, null, null, null, null, null);
    return new IafFamily().build(config, new BuildContext(new Shape(2), ParameterScope.root(m, 7)));
  }

  private static Trainer trainer(Target target, Flow flow, NDManager m, Path dir) {
    TrainingConfig config =
        new TrainingConfig(
            "cpu",
            64,
            40L,
            null,
            new OptimizerConfig(null, 0.01, 0.0, null, null),
            new ScheduleConfig("cosine", 5L, 0.1),
            10.0,
            10L,
            null,
            null,
            null,
            "reverse_kl");
    return new Trainer(
        config, 4, flow, new ReverseKlObjective(target, 4, 64, 20), m, dir, "h", "y");
  }
}
