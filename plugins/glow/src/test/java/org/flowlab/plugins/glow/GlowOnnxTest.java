package org.flowlab.plugins.glow;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.onnx.runtime.OnnxSession;
import org.flowlab.api.random.Seeds;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.testkit.FlowChecks;
import org.flowlab.registry.Parity;
import org.flowlab.registry.RegisteredFlow;
import org.junit.jupiter.api.Test;

/**
 * Glow exported to ONNX and run in a real ONNX Runtime session (CPU) against the JVM flow, on
 * perturbed (non-identity) flows: LU and plain 1×1 convolutions, actnorm in the coupling networks
 * on and off, learned and no split prior, learned top on and off, one and two levels, several
 * activations; vectors (2), (5) and images (1, 4, 4), (2, 4, 4); sampled at temperature 0.7.
 */
class GlowOnnxTest {
  private static final double TEMPERATURE = 0.7;

  @Test
  void exportedFlowsReproduceTheJvmFlow() {
    List<GlowConfig> configs =
        List.of(
            config(2, "relu", "lu", "actnorm", "learned", true),
            config(2, "tanh", "plain", "none", "none", false),
            config(2, "elu", "plain", "actnorm", "learned", false),
            config(2, "silu", "lu", "none", "none", true),
            config(1, "softplus", "lu", "actnorm", "learned", true),
            config(1, "relu", "plain", "none", "learned", false));
    List<Shape> shapes =
        List.of(new Shape(2), new Shape(5), new Shape(1, 4, 4), new Shape(2, 4, 4));
    double worstLp = 0;
    double worstX = 0;
    for (GlowConfig config : configs) {
      for (Shape shape : shapes) {
        double[] e = parity(config, shape);
        assertTrue(e[0] < Parity.LOG_PROB_TOLERANCE, config + " " + shape + ": |Δ log p| " + e[0]);
        assertTrue(e[1] < Parity.SAMPLE_TOLERANCE, config + " " + shape + ": |Δ x| " + e[1]);
        worstLp = Math.max(worstLp, e[0]);
        worstX = Math.max(worstX, e[1]);
      }
    }
    System.out.printf("glow ONNX parity: max |Δ log p| %.3g, max |Δ x| %.3g%n", worstLp, worstX);
  }

  private static GlowConfig config(
      int levels, String activation, String invconv, String norm, String prior, boolean top) {
    return new GlowConfig(levels, 2, 8, List.of(16, 16), activation, invconv, norm, prior, top);
  }

  /** {max |Δ log p|, max |Δ x|} between the JVM flow and its export, after perturbation. */
  private static double[] parity(GlowConfig config, Shape shape) {
    try (NDManager manager = NDManager.newBaseManager()) {
      Flow flow =
          new GlowFamily().build(config, new BuildContext(shape, ParameterScope.root(manager, 11)));
      int n = 32;
      Shape batch = new Shape(n).addAll(shape);
      NDArray x =
          manager.create(Seeds.normal(Seeds.stream(1, "x"), (int) batch.size()), batch).mul(2);
      flow.initialize(x);
      // Larger perturbations drive the sigmoid scales towards 0: the perturbed flow's inverse then
      // blows samples up to |x| > 100 (infinite for images, whose coupling networks' actnorm layers
      // amplify weight noise, see GlowConformanceTest#perturbation) and float32 rounding alone
      // exceeds 1e-4 on both runtimes. These sizes keep the flows well conditioned (|x| < 30).
      FlowChecks.perturb(flow, 3, shape.dimension() == 1 ? 0.2 : 0.05);
      float[] jvmLp = flow.logProb(x).toFloatArray();
      try (RegisteredFlow ort =
          new RegisteredFlow(
              flow.toOnnx(),
              shape.getShape(),
              flow.latentShape().getShape(),
              OnnxSession.Provider.CPU)) {
        float[] z = ort.draws(n, 5);
        Shape latent = new Shape(n).addAll(flow.latentShape());
        float[] jvmX =
            flow.decode(manager.create(z, latent).mul((float) TEMPERATURE)).toFloatArray();
        return new double[] {
          Parity.maxAbs(ort.score(x.toFloatArray(), n), jvmLp),
          Parity.maxAbs(ort.decode(z, n, TEMPERATURE), jvmX)
        };
      }
    }
  }
}
