package org.flowlab.plugins.ffjord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.onnx.OnnxModels;
import org.flowlab.api.onnx.runtime.OnnxSession;
import org.flowlab.api.random.Seeds;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.testkit.FlowChecks;
import org.flowlab.registry.Parity;
import org.flowlab.registry.RegisteredFlow;
import org.junit.jupiter.api.Test;

/**
 * FFJORD exported to ONNX (unrolled RK4, exact trace) and run in a real ONNX Runtime session (CPU)
 * against the JVM flow's EXACT log p (adaptive dopri5, exact trace) and its decode, on perturbed
 * flows: one and several blocks, both time-conditioning layers, learned and fixed end times,
 * actnorm, smooth activations, an rk4-configured flow (the export repeats its solve), d = 2 and 5.
 */
class FfjordOnnxTest {
  static FfjordConfig config(
      int blocks,
      List<Integer> hidden,
      String activation,
      String layer,
      boolean trainT,
      String solver,
      boolean actnorm) {
    return new FfjordConfig(
        blocks,
        hidden,
        activation,
        layer,
        0.8,
        trainT,
        solver,
        null,
        null,
        null,
        null,
        8,
        null,
        null,
        null,
        null,
        actnorm,
        null,
        null,
        null,
        null);
  }

  @Test
  void exportedSolvesReproduceTheJvmFlow() {
    List<FfjordConfig> configs =
        List.of(
            config(2, List.of(16, 16), "tanh", "concatsquash", true, "dopri5", true),
            config(1, List.of(8), "softplus", "concat", false, "dopri5", false),
            config(3, List.of(8, 8), "silu", "concatsquash", true, "dopri5", true),
            config(2, List.of(8), "elu", "concatsquash", true, "rk4", false));
    double worstLp = 0;
    double worstX = 0;
    List<Integer> stepCounts = new ArrayList<>();
    for (FfjordConfig config : configs) {
      for (int d : new int[] {2, 5}) {
        double[] e = parity(config, d, 0.4, stepCounts);
        String label = config.solver() + "/" + config.layer() + "/" + config.blocks() + " d=" + d;
        assertTrue(e[0] < Parity.LOG_PROB_TOLERANCE, label + ": |Δ log p| " + e[0]);
        assertTrue(e[1] < Parity.SAMPLE_TOLERANCE, label + ": |Δ x| " + e[1]);
        worstLp = Math.max(worstLp, e[0]);
        worstX = Math.max(worstX, e[1]);
      }
    }
    System.out.printf(
        "ffjord ONNX parity: max |Δ log p| %.3g, max |Δ x| %.3g; RK4 steps per block %s%n",
        worstLp, worstX, stepCounts);
  }

  /**
   * The multiscale image model on (1, 4, 4): squeeze, factor-out, conv time nets, exact trace (d =
   * 16 and 8 per block); blocks nested in the factor-out are exported too.
   */
  @Test
  void exportedImageModelReproducesTheJvmFlow() {
    List<Integer> stepCounts = new ArrayList<>();
    FfjordConfig config = config(1, List.of(8), "softplus", "concatsquash", true, "dopri5", true);
    double[] e = parity(config, new Shape(1, 4, 4), 0.4, stepCounts);
    assertTrue(e[0] < Parity.LOG_PROB_TOLERANCE, "|Δ log p| " + e[0]);
    assertTrue(e[1] < Parity.SAMPLE_TOLERANCE, "|Δ x| " + e[1]);
    System.out.printf("ffjord image (1,4,4) ONNX parity: |Δ log p| %.3g, |Δ x| %.3g%n", e[0], e[1]);
  }

  /**
   * Above {@code exact_max_dim} the export's trace is Hutchinson's with one fixed probe (the path
   * image models with d > 64 take): its log p matches the JVM solve with that probe, and sampling
   * does not depend on the trace.
   */
  @Test
  void aboveExactMaxDimTheExportUsesItsFixedProbe() {
    FfjordConfig c = config(1, List.of(8), "tanh", "concatsquash", true, "dopri5", false);
    FfjordConfig probed =
        new FfjordConfig(
            c.blocks(),
            c.hidden(),
            c.activation(),
            c.layer(),
            c.timeLength(),
            c.trainEndTime(),
            c.solver(),
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            2,
            false,
            null,
            null,
            null,
            null);
    int d = 5;
    int n = 16;
    try (NDManager manager = NDManager.newBaseManager()) {
      Flow flow =
          new FfjordFamily()
              .build(probed, new BuildContext(new Shape(d), ParameterScope.root(manager, 11)));
      FlowChecks.perturb(flow, 3, 0.6);
      NDArray x = manager.create(Seeds.normal(Seeds.stream(1, "x"), n * d), new Shape(n, d));
      CnfBlock block = (CnfBlock) flow.bijectors().get(0);
      org.flowlab.api.flow.Transformed t = block.forwardWithExportProbe(x);
      float[] jvmLp = flow.base().logProb(t.value()).add(t.logDet()).toFloatArray();
      try (RegisteredFlow ort =
          new RegisteredFlow(
              flow.toOnnx(), new long[] {d}, new long[] {d}, OnnxSession.Provider.CPU)) {
        float[] onnxLp = ort.score(x.toFloatArray(), n);
        double probeErr = Parity.maxAbs(onnxLp, jvmLp);
        assertTrue(probeErr < Parity.LOG_PROB_TOLERANCE, "fixed-probe |Δ log p| " + probeErr);
        float[] z = ort.draws(n, 5);
        float[] jvmX = flow.decode(manager.create(z, new Shape(n, d))).toFloatArray();
        double dx = Parity.maxAbs(ort.decode(z, n, 1.0), jvmX);
        assertTrue(dx < Parity.SAMPLE_TOLERANCE, "|Δ x| " + dx);
        System.out.printf(
            "ffjord fixed-probe export: |Δ log p| vs the JVM with that probe %.3g, |Δ x| %.3g%n",
            probeErr, dx);
      }
    }
  }

  /**
   * A strongly perturbed flow with a long end time (fast, curved dynamics): the doubling has to go
   * well past the first step counts, and parity still holds.
   */
  @Test
  void stifferDynamicsGetMoreSteps() {
    List<Integer> stepCounts = new ArrayList<>();
    FfjordConfig c = config(1, List.of(32, 32), "tanh", "concatsquash", true, "dopri5", false);
    FfjordConfig longT =
        new FfjordConfig(
            c.blocks(),
            c.hidden(),
            c.activation(),
            c.layer(),
            2.0,
            c.trainEndTime(),
            c.solver(),
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            false,
            null,
            null,
            null,
            null);
    double[] e = parity(longT, new Shape(2), 0.6, stepCounts);
    assertTrue(e[0] < Parity.LOG_PROB_TOLERANCE, "|Δ log p| " + e[0]);
    assertTrue(e[1] < Parity.SAMPLE_TOLERANCE, "|Δ x| " + e[1]);
    assertTrue(stepCounts.get(0) >= 4 * CnfBlock.MIN_STEPS, "steps " + stepCounts);
    System.out.printf(
        "ffjord stiff export: %s RK4 steps, |Δ log p| %.3g, |Δ x| %.3g%n", stepCounts, e[0], e[1]);
  }

  /**
   * An image model above {@code exact_max_dim} (d = 64, 64 and 32 per block, cap 16) exports with
   * the fixed probe through squeeze and factor-out: ONNX Runtime accepts both graphs, samples match
   * the JVM decode, and the one-probe log p misses the exact log p of the same flow by no more than
   * 5× the rms error of the JVM's own (random-probe) Hutchinson estimates.
   */
  @Test
  void largeImagesExportWithTheFixedProbe() {
    Shape event = new Shape(1, 8, 8);
    int n = 8;
    FfjordConfig exact = config(1, List.of(8), "softplus", "concatsquash", true, "dopri5", false);
    FfjordConfig capped =
        new FfjordConfig(
            exact.blocks(),
            exact.hidden(),
            exact.activation(),
            exact.layer(),
            exact.timeLength(),
            exact.trainEndTime(),
            exact.solver(),
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            16,
            false,
            null,
            null,
            null,
            null);
    try (NDManager manager = NDManager.newBaseManager()) {
      Flow flow =
          new FfjordFamily()
              .build(capped, new BuildContext(event, ParameterScope.root(manager, 11)));
      Flow reference =
          new FfjordFamily()
              .build(exact, new BuildContext(event, ParameterScope.root(manager, 11)));
      FlowChecks.perturb(flow, 3, 0.3);
      FlowChecks.perturb(reference, 3, 0.3);
      NDArray x =
          manager.create(Seeds.normal(Seeds.stream(1, "x"), n * 64), new Shape(n).addAll(event));
      Flow.LogProb exactLp = reference.logProb(x, LogDetMode.EXACT);
      assertEquals(LogDetMode.EXACT, exactLp.mode(), "d = 64 is within the default cap");
      assertEquals(LogDetMode.ESTIMATE, flow.logProb(x, LogDetMode.EXACT).mode());
      try (RegisteredFlow ort =
          new RegisteredFlow(
              flow.toOnnx(), event.getShape(), event.getShape(), OnnxSession.Provider.CPU)) {
        float[] z = ort.draws(n, 5);
        float[] jvmX = flow.decode(manager.create(z, new Shape(n).addAll(event))).toFloatArray();
        double dx = Parity.maxAbs(ort.decode(z, n, 1.0), jvmX);
        assertTrue(dx < Parity.SAMPLE_TOLERANCE, "|Δ x| " + dx);
        float[] probed = ort.score(x.toFloatArray(), n);
        float[] want = exactLp.value().toFloatArray();
        int draws = 12;
        double[] sq = new double[n];
        for (int r = 0; r < draws; r++) {
          ai.djl.engine.Engine.getInstance().setRandomSeed(100 + r);
          float[] est = flow.logProb(x, LogDetMode.EXACT).value().toFloatArray();
          for (int i = 0; i < n; i++) {
            sq[i] += (est[i] - want[i]) * (double) (est[i] - want[i]) / draws;
          }
        }
        double worst = 0;
        for (int i = 0; i < n; i++) {
          assertTrue(Float.isFinite(probed[i]), "log p " + i);
          double rms = Math.sqrt(sq[i]);
          assertTrue(rms > 1e-3, "the JVM's probes must vary");
          double err = Math.abs(probed[i] - want[i]);
          assertTrue(
              err <= 5 * rms, "point " + i + ": one-probe error " + err + ", JVM probe rms " + rms);
          worst = Math.max(worst, err / rms);
        }
        System.out.printf(
            "ffjord (1,8,8) fixed-probe export: |Δ x| %.3g, one-probe log p error ≤ %.2f× the"
                + " rms error of the JVM's Hutchinson estimates%n",
            dx, worst);
      }
    }
  }

  private static double[] parity(
      FfjordConfig config, int d, double perturbation, List<Integer> stepCounts) {
    return parity(config, new Shape(d), perturbation, stepCounts);
  }

  /** [max |Δ log p|, max |Δ x|] of one perturbed flow; appends each block's export step count. */
  private static double[] parity(
      FfjordConfig config, Shape event, double perturbation, List<Integer> stepCounts) {
    int d = Math.toIntExact(event.size());
    try (NDManager manager = NDManager.newBaseManager()) {
      Flow flow =
          new FfjordFamily()
              .build(config, new BuildContext(event, ParameterScope.root(manager, 11)));
      int n = 32;
      Shape batch = new Shape(n).addAll(event);
      NDArray x = manager.create(Seeds.normal(Seeds.stream(1, "x"), n * d), batch);
      flow.initialize(x.mul(manager.create(1.5f)));
      FlowChecks.perturb(flow, 3, perturbation);
      Flow.LogProb lp = flow.logProb(x, LogDetMode.EXACT);
      assertEquals(LogDetMode.EXACT, lp.mode());
      float[] jvmLp = lp.value().toFloatArray();
      OnnxModels models = flow.toOnnx();
      for (Bijector b : flow.bijectors()) {
        if (b instanceof CnfBlock block) {
          assertTrue(block.lastExportSteps() >= CnfBlock.MIN_STEPS, "a step count was chosen");
          stepCounts.add(block.lastExportSteps());
          if (config.solver().equals("rk4")) {
            assertEquals(config.steps(), block.lastExportSteps(), "rk4 exports its own steps");
          }
        }
      }
      try (RegisteredFlow ort =
          new RegisteredFlow(
              models, event.getShape(), event.getShape(), OnnxSession.Provider.CPU)) {
        float[] z = ort.draws(n, 5);
        NDArray jvmX = flow.decode(manager.create(z, batch).mul(manager.create(0.7f)));
        assertTrue(FlowChecks.maxAbsDiff(jvmX, x) > 0 && moved(flow, x) > 0.05, "vacuous");
        return new double[] {
          Parity.maxAbs(ort.score(x.toFloatArray(), n), jvmLp),
          Parity.maxAbs(ort.decode(z, n, 0.7), jvmX.toFloatArray())
        };
      }
    }
  }

  /** How far the flow moves x: the check is vacuous on an identity flow. */
  private static double moved(Flow flow, NDArray x) {
    return FlowChecks.maxAbsDiff(flow.encode(x, LogDetMode.EXACT).value(), x);
  }
}
