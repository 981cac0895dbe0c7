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
import org.flowlab.api.random.Seeds;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.testkit.FlowChecks;
import org.flowlab.registry.OnnxSession;
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
  private static FfjordConfig config(
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
        double[] e = parity(config, d, stepCounts);
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
    double[] e = parity(config, new Shape(1, 4, 4), stepCounts);
    assertTrue(e[0] < Parity.LOG_PROB_TOLERANCE, "|Δ log p| " + e[0]);
    assertTrue(e[1] < Parity.SAMPLE_TOLERANCE, "|Δ x| " + e[1]);
    System.out.printf("ffjord image (1,4,4) ONNX parity: |Δ log p| %.3g, |Δ x| %.3g%n", e[0], e[1]);
  }

  private static double[] parity(FfjordConfig config, int d, List<Integer> stepCounts) {
    return parity(config, new Shape(d), stepCounts);
  }

  /** [max |Δ log p|, max |Δ x|] of one perturbed flow; appends each block's export step count. */
  private static double[] parity(FfjordConfig config, Shape event, List<Integer> stepCounts) {
    int d = Math.toIntExact(event.size());
    try (NDManager manager = NDManager.newBaseManager()) {
      Flow flow =
          new FfjordFamily()
              .build(config, new BuildContext(event, ParameterScope.root(manager, 11)));
      int n = 32;
      Shape batch = new Shape(n).addAll(event);
      NDArray x = manager.create(Seeds.normal(Seeds.stream(1, "x"), n * d), batch);
      flow.initialize(x.mul(manager.create(1.5f)));
      FlowChecks.perturb(flow, 3, 0.4);
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
