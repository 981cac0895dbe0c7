package org.flowlab.plugins.realnvp;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.bijector.Logit;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.onnx.ExportTolerance;
import org.flowlab.api.onnx.runtime.OnnxSession;
import org.flowlab.api.random.Seeds;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.testkit.FlowChecks;
import org.flowlab.registry.Parity;
import org.flowlab.registry.RegisteredFlow;
import org.junit.jupiter.api.Test;

/**
 * RealNVP exported to ONNX and run in a real ONNX Runtime session (CPU) against the JVM flow, on
 * perturbed (non-identity) flows: both scale bounds, both masks, both bases, actnorm on and off,
 * every activation, odd and even dimensions; and the multi-scale image model (checkerboard and
 * channel couplings with ResNet conditioners, squeeze, factor-out, one and two scales, logit
 * preprocessing in front as the host adds it).
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

  /**
   * Perturbation of the image models' parameters. The ResNet convs have fan-in 9·channels, so 0.3
   * (the vector models' figure) drives latents to ~1e3 and |log p| to ~1e5, where float32 rounding
   * alone (relative ~1e-7, seen between the engines) exceeds the absolute 1e-3 on log p; 0.1 keeps
   * log p at the scale of trained models while moving every point well away from the identity.
   */
  private static final double IMAGE_PERTURBATION = 0.1;

  @Test
  void exportedImageModelReproducesTheJvmFlow() {
    record Case(Shape shape, RealNvpConfig config, boolean logit) {}
    List<Case> cases =
        List.of(
            // One scale: 4 checkerboard couplings; soft clamp, no actnorm, logistic base.
            new Case(
                new Shape(1, 4, 4),
                image(1, 1, 4, "relu", "softclamp", 1.5, "none", "logistic"),
                false),
            // Two scales on 1×4×4: squeeze to 4×2×2, channel couplings, factor-out to 2×2×2.
            new Case(
                new Shape(1, 4, 4), image(2, 1, 4, "elu", "tanh", null, "actnorm", "normal"), true),
            new Case(
                new Shape(2, 4, 4),
                image(1, 2, 4, "silu", "tanh", null, "actnorm", "normal"),
                false),
            new Case(
                new Shape(2, 4, 4),
                image(2, 1, 6, "softplus", "softclamp", null, "actnorm", "logistic"),
                true),
            // Two scales on 1×8×8, with logit preprocessing in front as the host adds it.
            new Case(
                new Shape(1, 8, 8),
                image(2, 1, 8, "tanh", "tanh", null, "actnorm", "normal"),
                true));
    double worstLp = 0;
    double worstX = 0;
    for (Case c : cases) {
      double[] e = parity(c.config(), c.shape(), c.logit(), IMAGE_PERTURBATION);
      String what = c.shape() + " " + c.config() + " logit=" + c.logit();
      assertTrue(e[2] > 0.1, what + ": the perturbed couplings barely move x: " + e[2]);
      assertTrue(e[0] < Parity.LOG_PROB_TOLERANCE, what + ": |Δ log p| " + e[0]);
      assertTrue(e[1] < Parity.SAMPLE_TOLERANCE, what + ": |Δ x| " + e[1]);
      System.out.printf(
          "  %s scales=%d %s %s logit=%b: |Δ log p| %.3g, |Δ x| %.3g (max |z − x| %.2f)%n",
          c.shape(),
          c.config().scales(),
          c.config().scale(),
          c.config().normalization(),
          c.logit(),
          e[0],
          e[1],
          e[2]);
      worstLp = Math.max(worstLp, e[0]);
      worstX = Math.max(worstX, e[1]);
    }
    System.out.printf(
        "realnvp image ONNX parity (T=0.7): max |Δ log p| %.3g, max |Δ x| %.3g%n", worstLp, worstX);
  }

  /**
   * The conformance kit's export-parity check on its {@code actnorm-normal} config at (1,4,4), at
   * the kit's seed 20240607 + 2 (the kit's procedure: build, initialise on a standard normal batch,
   * perturb by 0.2, score 32 standard normal points). Its |log p| exceeds 1,000 and ONNX Runtime
   * and PyTorch differ there by more than 1e-3 on this project's CPU (measured: 1.2e-3 at |log p|
   * 3,821 with the masked-image channel couplings, 2.9e-3 at 1,587 with the kept-channel ones): an
   * absolute 1e-3 rejects it (it fails with {@code ExportTolerance.LOG_PROB_RELATIVE} = 0), the
   * relative part of {@link ExportTolerance#logProb} accepts it.
   */
  @Test
  void logProbParityAtLargeLogProbIsRelative() {
    long seed = 20240609L;
    Shape event = new Shape(1, 4, 4);
    RealNvpConfig config =
        new RealNvpConfig(
            4, List.of(16, 16), "tanh", "tanh", null, "actnorm", "normal", "alternating", 2, 1, 8);
    try (NDManager manager = NDManager.newBaseManager()) {
      Flow flow =
          new RealNvpFamily()
              .build(config, new BuildContext(event, ParameterScope.root(manager, seed)));
      flow.initialize(standardNormal(manager, seed, "init-batch", 256, event));
      FlowChecks.perturb(flow, seed, 0.2);
      NDArray x = standardNormal(manager, seed, "export-x", 32, event);
      float[] jvm = flow.logProb(x, LogDetMode.EXACT).value().toFloatArray();
      float largest = 0;
      for (float lp : jvm) {
        largest = Math.max(largest, Math.abs(lp));
      }
      assertTrue(largest > 1000, "the case must reach large |log p|: max |log p| = " + largest);
      try (RegisteredFlow ort =
          new RegisteredFlow(
              flow.toOnnx(),
              event.getShape(),
              flow.latentShape().getShape(),
              OnnxSession.Provider.CPU)) {
        double error = Parity.maxAbs(ort.score(x.toFloatArray(), 32), jvm);
        double tolerance = ExportTolerance.logProb(jvm);
        System.out.printf(
            "realnvp (1,4,4) seed %d: max |log p| %.1f, max |Δ log p| %.3g, tolerance %.3g%n",
            seed, largest, error, tolerance);
        assertTrue(error <= tolerance, "max |Δ log p| " + error + " > " + tolerance);
      }
    }
  }

  /** {@code n} standard normal events, drawn as the conformance kit draws them. */
  private static NDArray standardNormal(
      NDManager manager, long seed, String purpose, int n, Shape event) {
    Shape full = new Shape(n).addAll(event);
    return manager.create(
        Seeds.normal(Seeds.stream(seed, purpose), Math.toIntExact(full.size())), full);
  }

  private static RealNvpConfig image(
      int scales,
      int blocks,
      int channels,
      String activation,
      String scale,
      Double bound,
      String normalization,
      String base) {
    return new RealNvpConfig(
        null, null, activation, scale, bound, normalization, base, null, scales, blocks, channels);
  }

  private static double[] parity(RealNvpConfig config, int d) {
    return parity(config, new Shape(d), false, 0.3);
  }

  /**
   * Max |Δ log p| on 32 perturbed-flow points, max |Δ x| on 32 latents decoded at T = 0.7 (ONNX
   * Runtime on CPU against the JVM), and how far the family's bijectors move those points (max |z −
   * x| before the base, after any preprocessing).
   */
  private static double[] parity(RealNvpConfig config, Shape event, boolean logit, double std) {
    try (NDManager manager = NDManager.newBaseManager()) {
      Flow family =
          new RealNvpFamily()
              .build(config, new BuildContext(event, ParameterScope.root(manager, 11)));
      int n = 32;
      int size = Math.toIntExact(event.size());
      NDArray x =
          manager.create(Seeds.normal(Seeds.stream(1, "x"), n * size), new Shape(n).addAll(event));
      NDArray familyInput;
      Flow flow;
      if (logit) {
        // Data in (0, 1), as the pixels logit preprocessing expects.
        x = ai.djl.nn.Activation.sigmoid(x);
        Logit preprocessing = new Logit(0.05);
        flow = family.withPreprocessing(List.of(preprocessing));
        familyInput = preprocessing.forward(x, LogDetMode.EXACT).value();
      } else {
        x = x.mul(2);
        flow = family;
        familyInput = x;
      }
      flow.initialize(x);
      FlowChecks.perturb(flow, 3, std);
      float[] jvmLp = flow.logProb(x).toFloatArray();
      double moved =
          Parity.maxAbs(
              family.encode(familyInput, LogDetMode.EXACT).value().toFloatArray(),
              familyInput.toFloatArray());
      long[] latent = flow.latentShape().getShape();
      try (RegisteredFlow ort =
          new RegisteredFlow(flow.toOnnx(), event.getShape(), latent, OnnxSession.Provider.CPU)) {
        float[] z = ort.draws(n, 5);
        float[] jvmX =
            flow.decode(manager.create(z, new Shape(n).addAll(flow.latentShape())).mul(0.7f))
                .toFloatArray();
        return new double[] {
          Parity.maxAbs(ort.score(x.toFloatArray(), n), jvmLp),
          Parity.maxAbs(ort.decode(z, n, 0.7), jvmX),
          moved
        };
      }
    }
  }
}
