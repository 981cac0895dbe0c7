package org.flowlab.plugins.realnvp;

import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.spi.FlowFamily;
import org.flowlab.api.testkit.FlowConformanceTest;
import org.junit.jupiter.api.Named;

/**
 * RealNVP against the shared conformance tests, on odd and even vector dimensions and on small
 * images. Each config sets the keys of both models (those of the other model are ignored): the
 * vectors run the MLP model, the images the multi-scale model (2 scales with squeeze, channel
 * couplings and factor-out; or 1 scale of checkerboard couplings).
 */
class RealNvpConformanceTest extends FlowConformanceTest<RealNvpConfig> {
  @Override
  protected FlowFamily<RealNvpConfig> family() {
    return new RealNvpFamily();
  }

  @Override
  protected List<Named<RealNvpConfig>> configs() {
    return List.of(
        Named.of(
            "actnorm-normal",
            config(List.of(16, 16), "tanh", "actnorm", "normal", "alternating", 2, 8)),
        Named.of(
            "plain-logistic",
            config(List.of(16), "softclamp", "none", "logistic", "checkerboard", 1, 4)));
  }

  /** Conditioned on a context: every vector shape, a fixed random context. */
  @Override
  protected List<Named<RealNvpConfig>> conditionalConfigs() {
    return configs();
  }

  @Override
  protected List<Shape> shapes() {
    return List.of(
        new Shape(2), new Shape(3), new Shape(5), new Shape(1, 4, 4), new Shape(2, 4, 4));
  }

  private static RealNvpConfig config(
      List<Integer> hidden,
      String scale,
      String norm,
      String base,
      String mask,
      int scales,
      int channels) {
    return new RealNvpConfig(4, hidden, "tanh", scale, null, norm, base, mask, scales, 1, channels);
  }
}
