package org.flowlab.plugins.residual;

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
import org.flowlab.api.onnx.runtime.OnnxSession;
import org.flowlab.api.random.Seeds;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.testkit.FlowChecks;
import org.flowlab.registry.Parity;
import org.flowlab.registry.RegisteredFlow;
import org.junit.jupiter.api.Test;

/**
 * Residual flows exported to ONNX and run in a real ONNX Runtime session (CPU) against the JVM
 * flow, on perturbed flows (so the spectral normalisation rescales some weights): both variants,
 * every activation, actnorm on and off, both bases, d = 2 and 5. log p is compared with the JVM's
 * {@code EXACT} log p (exact determinant), samples with the JVM's decode (fixed-point iteration to
 * the tolerance) of the same standard draws.
 */
class ResidualOnnxTest {
  @Test
  void exportedBlocksReproduceTheJvmFlow() {
    List<ResidualConfig> configs =
        List.of(
            config("residual_flows", "lipswish", 0.98, "actnorm", "normal", List.of(16, 16)),
            config("iresnet", "elu", 0.9, "none", "normal", List.of(16, 16)),
            config("residual_flows", "tanh", 0.9, "actnorm", "logistic", List.of(8)),
            config("iresnet", "relu", 0.9, "actnorm", "normal", List.of(8, 8)),
            config("residual_flows", "softplus", 0.95, "none", "normal", List.of(8)));
    double worstLp = 0;
    double worstX = 0;
    List<Integer> iterations = new ArrayList<>();
    for (ResidualConfig config : configs) {
      for (int d : new int[] {2, 5}) {
        double[] e = parity(config, d, iterations);
        String label = config.variant() + "/" + config.activation() + " d=" + d;
        assertTrue(e[0] < Parity.LOG_PROB_TOLERANCE, label + ": |Δ log p| " + e[0]);
        assertTrue(e[1] < Parity.SAMPLE_TOLERANCE, label + ": |Δ x| " + e[1]);
        worstLp = Math.max(worstLp, e[0]);
        worstX = Math.max(worstX, e[1]);
      }
    }
    System.out.printf(
        "residual ONNX parity: max |Δ log p| %.3g, max |Δ x| %.3g; fixed-point iterations per"
            + " block %s%n",
        worstLp, worstX, iterations);
  }

  static ResidualConfig config(
      String variant,
      String activation,
      double coeff,
      String normalization,
      String base,
      List<Integer> hidden) {
    return new ResidualConfig(
        variant,
        3,
        hidden,
        activation,
        coeff,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        normalization,
        base,
        null,
        null,
        null);
  }

  private static double[] parity(ResidualConfig config, int d, List<Integer> iterations) {
    try (NDManager manager = NDManager.newBaseManager()) {
      Shape event = new Shape(d);
      Flow flow =
          new ResidualFamily()
              .build(config, new BuildContext(event, ParameterScope.root(manager, 11)));
      int n = 32;
      NDArray x = manager.create(Seeds.normal(Seeds.stream(1, "x"), n * d), new Shape(n, d)).mul(2);
      flow.initialize(x);
      FlowChecks.perturb(flow, 3, 0.3);
      Flow.LogProb exact = flow.logProb(x, LogDetMode.EXACT);
      assertTrue(exact.mode() == LogDetMode.EXACT, "d = " + d + " is exact on the JVM");
      float[] jvmLp = exact.value().toFloatArray();
      try (RegisteredFlow ort =
          new RegisteredFlow(
              flow.toOnnx(), new long[] {d}, new long[] {d}, OnnxSession.Provider.CPU)) {
        for (Bijector b : flow.bijectors()) {
          if (b instanceof ResidualBlock block) {
            assertTrue(block.onnxInverseIterations() > 0, "the inverse was unrolled");
            iterations.add(block.onnxInverseIterations());
          }
        }
        float[] z = ort.draws(n, 5);
        float[] jvmX = flow.decode(manager.create(z, new Shape(n, d)).mul(0.9f)).toFloatArray();
        return new double[] {
          Parity.maxAbs(ort.score(x.toFloatArray(), n), jvmLp),
          Parity.maxAbs(ort.decode(z, n, 0.9), jvmX)
        };
      }
    }
  }
}
