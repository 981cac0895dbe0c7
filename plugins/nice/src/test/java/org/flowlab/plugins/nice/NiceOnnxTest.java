package org.flowlab.plugins.nice;

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
 * NICE exported to ONNX and run in a real ONNX Runtime session (CPU) against the JVM flow, on
 * perturbed (non-identity) flows: both partitions, both priors (logistic noise and normal noise),
 * identity and default initialisation, every activation, odd and even vectors and flattened images
 * with one and two channels, sampled at temperature 0.7.
 */
class NiceOnnxTest {
  private static final double TEMPERATURE = 0.7;

  @Test
  void exportedFlowsReproduceTheJvmFlow() {
    List<NiceConfig> configs =
        List.of(
            new NiceConfig(4, List.of(16, 16), "relu", "alternating", "logistic", true),
            new NiceConfig(5, List.of(16), "tanh", "checkerboard", "normal", false),
            new NiceConfig(4, List.of(8), "elu", "checkerboard", "logistic", false),
            new NiceConfig(4, List.of(8, 8), "softplus", "alternating", "normal", false),
            new NiceConfig(6, List.of(), "silu", "alternating", "logistic", false));
    List<Shape> shapes =
        List.of(new Shape(2), new Shape(5), new Shape(1, 4, 4), new Shape(2, 4, 4));
    double worstLp = 0;
    double worstX = 0;
    for (NiceConfig config : configs) {
      for (Shape shape : shapes) {
        double[] e = parity(config, shape);
        assertTrue(e[0] < Parity.LOG_PROB_TOLERANCE, config + " " + shape + ": |Δ log p| " + e[0]);
        assertTrue(e[1] < Parity.SAMPLE_TOLERANCE, config + " " + shape + ": |Δ x| " + e[1]);
        worstLp = Math.max(worstLp, e[0]);
        worstX = Math.max(worstX, e[1]);
      }
    }
    System.out.printf("nice ONNX parity: max |Δ log p| %.3g, max |Δ x| %.3g%n", worstLp, worstX);
  }

  /** {max |Δ log p|, max |Δ x|} between the JVM flow and its export, after perturbation. */
  private static double[] parity(NiceConfig config, Shape shape) {
    try (NDManager manager = NDManager.newBaseManager()) {
      Flow flow =
          new NiceFamily().build(config, new BuildContext(shape, ParameterScope.root(manager, 11)));
      int n = 32;
      Shape batch = new Shape(n).addAll(shape);
      NDArray x =
          manager.create(Seeds.normal(Seeds.stream(1, "x"), (int) batch.size()), batch).mul(2);
      flow.initialize(x);
      FlowChecks.perturb(flow, 3, 0.3);
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
