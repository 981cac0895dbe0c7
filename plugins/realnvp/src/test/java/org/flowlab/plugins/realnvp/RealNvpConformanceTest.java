package org.flowlab.plugins.realnvp;

import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.spi.FlowFamily;
import org.flowlab.api.testkit.FlowConformanceTest;
import org.junit.jupiter.api.Named;

/** RealNVP against the shared conformance tests, on odd and even dimensions. */
class RealNvpConformanceTest extends FlowConformanceTest<RealNvpConfig> {
  @Override
  protected FlowFamily<RealNvpConfig> family() {
    return new RealNvpFamily();
  }

  @Override
  protected List<Named<RealNvpConfig>> configs() {
    return List.of(
        Named.of(
            "actnorm-normal", config(List.of(16, 16), "tanh", "actnorm", "normal", "alternating")),
        Named.of(
            "plain-logistic",
            config(List.of(16), "softclamp", "none", "logistic", "checkerboard")));
  }

  @Override
  protected List<Shape> shapes() {
    return List.of(new Shape(2), new Shape(3), new Shape(5));
  }

  private static RealNvpConfig config(
      List<Integer> hidden, String scale, String norm, String base, String mask) {
    return new RealNvpConfig(4, hidden, "tanh", scale, null, norm, base, mask);
  }
}
