package org.flowlab.plugins.realnvp;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.random.Seeds;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.testkit.FlowChecks;
import org.flowlab.registry.OnnxSession;
import org.flowlab.registry.Parity;
import org.flowlab.registry.RegisteredFlow;
import org.junit.jupiter.api.Test;

/**
 * RealNVP exported to ONNX and run in a real ONNX Runtime session (CPU) against the JVM flow, on
 * perturbed (non-identity) flows: both scale bounds, both masks, both bases, actnorm on and off,
 * every activation, odd and even dimensions.
 */
class RealNvpOnnxTest {
  @Test
  void exportedCouplingsReproduceTheJvmFlow() {
    List<RealNvpConfig> configs =
        List.of(
            RealNvpConfig.vector(
                4, List.of(16, 16), "elu", "tanh", null, "actnorm", "normal", null),
            RealNvpConfig.vector(
                3, List.of(8), "softplus", "softclamp", 1.5, "none", "logistic", "checkerboard"),
            RealNvpConfig.vector(2, List.of(8), "relu", "tanh", null, "actnorm", "logistic", null),
            RealNvpConfig.vector(2, List.of(), "silu", "softclamp", null, "none", "normal", null),
            RealNvpConfig.vector(2, List.of(8), "tanh", "tanh", null, "actnorm", "normal", null));
    double worstLp = 0;
    double worstX = 0;
    for (RealNvpConfig config : configs) {
      for (int d : new int[] {2, 5}) {
        double[] e = parity(config, d);
        assertTrue(e[0] < Parity.LOG_PROB_TOLERANCE, config + " d=" + d + ": |Δ log p| " + e[0]);
        assertTrue(e[1] < Parity.SAMPLE_TOLERANCE, config + " d=" + d + ": |Δ x| " + e[1]);
        worstLp = Math.max(worstLp, e[0]);
        worstX = Math.max(worstX, e[1]);
      }
    }
    System.out.printf("realnvp ONNX parity: max |Δ log p| %.3g, max |Δ x| %.3g%n", worstLp, worstX);
  }

  private static double[] parity(RealNvpConfig config, int d) {
    try (NDManager manager = NDManager.newBaseManager()) {
      Shape event = new Shape(d);
      Flow flow =
          new RealNvpFamily()
              .build(config, new BuildContext(event, ParameterScope.root(manager, 11)));
      int n = 32;
      NDArray x = manager.create(Seeds.normal(Seeds.stream(1, "x"), n * d), new Shape(n, d)).mul(2);
      flow.initialize(x);
      FlowChecks.perturb(flow, 3, 0.3);
      float[] jvmLp = flow.logProb(x).toFloatArray();
      try (RegisteredFlow ort =
          new RegisteredFlow(
              flow.toOnnx(), new long[] {d}, new long[] {d}, OnnxSession.Provider.CPU)) {
        float[] z = ort.draws(n, 5);
        float[] jvmX = flow.decode(manager.create(z, new Shape(n, d)).mul(0.7f)).toFloatArray();
        return new double[] {
          Parity.maxAbs(ort.score(x.toFloatArray(), n), jvmLp),
          Parity.maxAbs(ort.decode(z, n, 0.7), jvmX)
        };
      }
    }
  }
}
