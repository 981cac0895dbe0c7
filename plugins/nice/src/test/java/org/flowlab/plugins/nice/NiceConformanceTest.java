package org.flowlab.plugins.nice;

import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.spi.FlowFamily;
import org.flowlab.api.testkit.FlowConformanceTest;
import org.junit.jupiter.api.Named;

/** NICE against the shared conformance tests, on 2D, an odd dimension and a (flattened) image. */
class NiceConformanceTest extends FlowConformanceTest<NiceConfig> {
  @Override
  protected FlowFamily<NiceConfig> family() {
    return new NiceFamily();
  }

  @Override
  protected List<Named<NiceConfig>> configs() {
    return List.of(
        Named.of(
            "alternating-logistic",
            new NiceConfig(4, List.of(16, 16), "relu", "alternating", "logistic", true)),
        Named.of(
            "checkerboard-normal",
            new NiceConfig(5, List.of(16), "tanh", "checkerboard", "normal", false)));
  }

  @Override
  protected List<Shape> shapes() {
    return List.of(new Shape(2), new Shape(5), new Shape(1, 4, 4));
  }
}
