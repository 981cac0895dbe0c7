package org.flowlab.plugins.residual;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.flowlab.api.distribution.BaseDistribution;
import org.flowlab.api.estimate.ExactLogDet;
import org.flowlab.api.estimate.PowerSeries;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.linalg.Lu;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.onnx.runtime.OnnxSession;
import org.flowlab.api.random.Seeds;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.testkit.FlowChecks;
import org.flowlab.registry.Parity;
import org.flowlab.registry.RegisteredFlow;
import org.junit.jupiter.api.Test;

/**
 * The image model (convolutional residual blocks, squeeze, factor-out) exported to ONNX and run in
 * ONNX Runtime against the JVM flow, perturbed: exact log p for images of at most 64
 * pixels·channels, and the fixed-probe series of a block above 64 dimensions against the same
 * series on the JVM.
 */
class ResidualImageOnnxTest {
  @Test
  void exportedImageModelsReproduceTheJvmFlow() {
    List<ResidualConfig> configs =
        List.of(
            ResidualOnnxTest.config(
                "residual_flows", "lipswish", 0.98, "actnorm", "normal", List.of(8)),
            ResidualOnnxTest.config("iresnet", "elu", 0.9, "none", "logistic", List.of(4, 4)));
    List<Shape> shapes = List.of(new Shape(1, 4, 4), new Shape(1, 8, 8), new Shape(2, 4, 4));
    double worstLp = 0;
    double worstX = 0;
    List<Integer> iterations = new ArrayList<>();
    for (ResidualConfig config : configs) {
      for (Shape shape : shapes) {
        double[] e = parity(config, shape, iterations);
        String label = config.variant() + "/" + config.activation() + " " + shape;
        assertTrue(e[0] < Parity.LOG_PROB_TOLERANCE, label + ": |Δ log p| " + e[0]);
        assertTrue(e[1] < Parity.SAMPLE_TOLERANCE, label + ": |Δ x| " + e[1]);
        worstLp = Math.max(worstLp, e[0]);
        worstX = Math.max(worstX, e[1]);
      }
    }
    System.out.printf(
        "residual image ONNX parity: max |Δ log p| %.3g, max |Δ x| %.3g; fixed-point iterations"
            + " per block %s%n",
        worstLp, worstX, iterations);
  }

  private static double[] parity(ResidualConfig config, Shape shape, List<Integer> iterations) {
    try (NDManager manager = NDManager.newBaseManager()) {
      Flow flow =
          new ResidualFamily()
              .build(config, new BuildContext(shape, ParameterScope.root(manager, 11)));
      int n = 16;
      int d = Math.toIntExact(shape.size());
      Shape batch = new Shape(n).addAll(shape);
      NDArray x = manager.create(Seeds.normal(Seeds.stream(1, "x"), n * d), batch);
      flow.initialize(x);
      FlowChecks.perturb(flow, 3, 0.2);
      Flow.LogProb exact = flow.logProb(x, LogDetMode.EXACT);
      assertEquals(LogDetMode.EXACT, exact.mode(), shape + " is exact on the JVM");
      float[] jvmLp = exact.value().toFloatArray();
      try (RegisteredFlow ort =
          new RegisteredFlow(
              flow.toOnnx(),
              shape.getShape(),
              flow.latentShape().getShape(),
              OnnxSession.Provider.CPU)) {
        collect(flow.bijectors(), iterations);
        float[] z = ort.draws(n, 5);
        float[] jvmX = flow.decode(manager.create(z, batch).mul(0.9f)).toFloatArray();
        return new double[] {
          Parity.maxAbs(ort.score(x.toFloatArray(), n), jvmLp),
          Parity.maxAbs(ort.decode(z, n, 0.9), jvmX)
        };
      }
    }
  }

  private static void collect(List<Bijector> bijectors, List<Integer> iterations) {
    for (Bijector b : bijectors) {
      if (b instanceof ResidualBlock block) {
        assertTrue(block.onnxInverseIterations() > 0, block.name() + ": inverse unrolled");
        iterations.add(block.onnxInverseIterations());
      } else if (b instanceof org.flowlab.api.bijector.FactorOut) {
        iterations.add(-1); // scale boundary marker
      }
    }
  }

  /**
   * A block of 2·8·8 = 128 > 64 dimensions exports the series with fixed probes: the ONNX log p
   * equals the series written out here from PowerSeries (same probes, {@code eval_terms} terms) and
   * the JVM flow's {@code logProb(x, EXPORTED)} (mode ESTIMATE), and estimates the exact log-det
   * (error printed).
   */
  @Test
  void blocksAboveSixtyFourDimensionsExportTheFixedProbeSeries() {
    Shape shape = new Shape(2, 8, 8);
    int d = Math.toIntExact(shape.size());
    ResidualConfig config =
        ResidualOnnxTest.config("residual_flows", "lipswish", 0.98, "none", "normal", List.of(8));
    try (NDManager manager = NDManager.newBaseManager()) {
      ParameterScope root = ParameterScope.root(manager, 5);
      LipschitzCnn net =
          new LipschitzCnn(root.child("net"), shape, config.hidden(), config.activation(), 0.98, 5);
      ResidualBlock block = new ResidualBlock("big", net, config);
      Flow flow =
          new Flow(shape, BaseDistribution.named("normal"), List.of(block), root.parameters());
      FlowChecks.perturb(flow, 3, 0.3);
      int n = 4;
      NDArray x =
          manager.create(Seeds.normal(Seeds.stream(2, "x"), n * d), new Shape(n).addAll(shape));
      List<NDArray> weights = net.weights(false);
      LipschitzNet.Linearization lin = net.linearize(x, weights);
      NDArray y = x.add(lin.value());
      float[] probes = block.onnxProbes(d);
      NDArray series = null;
      for (int p = 0; p < ResidualBlock.EXPORT_PROBES; p++) {
        float[] one = Arrays.copyOfRange(probes, p * d, (p + 1) * d);
        NDArray probe = manager.create(one, new Shape(1).addAll(shape)).repeat(0, n);
        NDArray s = PowerSeries.truncated(lin.jacobian(), probe, config.evalTerms());
        series = series == null ? s : series.add(s);
      }
      float[] jvm =
          flow.base().logProb(y).add(series.div(ResidualBlock.EXPORT_PROBES)).toFloatArray();
      LipschitzNet.Linearization flat = lin;
      double[][][] jac =
          ExactLogDet.jacobians(
              v -> flat.jacobian().apply(v.reshape(x.getShape())).reshape(n, d), x.reshape(n, d));
      float[] base = flow.base().logProb(y).toFloatArray();
      try (RegisteredFlow ort =
          new RegisteredFlow(
              flow.toOnnx(), shape.getShape(), shape.getShape(), OnnxSession.Provider.CPU)) {
        float[] onnx = ort.score(x.toFloatArray(), n);
        double parity = Parity.maxAbs(onnx, jvm);
        assertTrue(parity < Parity.LOG_PROB_TOLERANCE, "ONNX series vs JVM series: " + parity);
        Flow.LogProb exported = flow.logProb(x, LogDetMode.EXPORTED);
        assertEquals(LogDetMode.ESTIMATE, exported.mode(), "d = 128 has no exact log-det");
        double flowParity = Parity.maxAbs(onnx, exported.value().toFloatArray());
        assertTrue(
            flowParity < Parity.LOG_PROB_TOLERANCE,
            "ONNX vs the JVM flow's EXPORTED log p (fixed-probe series): " + flowParity);
        float[] random = flow.logProb(x, LogDetMode.EXACT).value().toFloatArray();
        assertTrue(
            Parity.maxAbs(random, jvm) > Parity.LOG_PROB_TOLERANCE,
            "EXACT above 64 dimensions stays the random-probe estimate, not the fixed probes");
        double worst = 0;
        for (int s = 0; s < n; s++) {
          for (int i = 0; i < d; i++) {
            jac[s][i][i] += 1;
          }
          double exactLp = base[s] + Lu.logAbsDet(jac[s]);
          worst = Math.max(worst, Math.abs(onnx[s] - exactLp));
        }
        System.out.printf(
            "residual ONNX series (d = %d, %d probes, %d terms): |Δ| vs JVM series %.3g, vs exact"
                + " log-det %.3g%n",
            d, ResidualBlock.EXPORT_PROBES, config.evalTerms(), parity, worst);
      }
    }
  }
}
