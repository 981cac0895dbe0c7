package org.flowlab.plugins.vi;

import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.spi.FlowFamily;
import org.flowlab.api.testkit.FlowConformanceTest;
import org.junit.jupiter.api.Named;

/**
 * Orthogonal Sylvester flows with fewer orthonormal vectors than dimensions (M = 3 of d = 5, and M
 * = 1), against the shared conformance tests, sampling direction.
 */
class SylvesterFewerVectorsConformanceTest extends FlowConformanceTest<SylvesterConfig> {
  @Override
  protected FlowFamily<SylvesterConfig> family() {
    return new SylvesterFamily();
  }

  @Override
  protected List<Named<SylvesterConfig>> configs() {
    return List.of(
        Named.of("M = 3", new SylvesterConfig(3, "orthogonal", 3, null)),
        Named.of("M = 1", new SylvesterConfig(2, "orthogonal", 1, null)));
  }

  @Override
  protected List<Shape> shapes() {
    return List.of(new Shape(5));
  }
}
