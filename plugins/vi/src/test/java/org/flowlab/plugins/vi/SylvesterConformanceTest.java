package org.flowlab.plugins.vi;

import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.spi.FlowFamily;
import org.flowlab.api.testkit.FlowConformanceTest;
import org.junit.jupiter.api.Named;

/**
 * Sylvester flows, each variant with M = d, against the shared conformance tests, sampling, plain
 * and amortised.
 */
class SylvesterConformanceTest extends FlowConformanceTest<SylvesterConfig> {
  @Override
  protected FlowFamily<SylvesterConfig> family() {
    return new SylvesterFamily();
  }

  @Override
  protected List<Named<SylvesterConfig>> configs() {
    return List.of(
        Named.of("orthogonal", new SylvesterConfig(3, "orthogonal", null, null)),
        Named.of("householder", new SylvesterConfig(3, "householder", null, null)),
        Named.of("householder, one reflection", new SylvesterConfig(2, "householder", null, 1)),
        Named.of("triangular", new SylvesterConfig(3, "triangular", null, null)));
  }

  @Override
  protected List<Named<SylvesterConfig>> conditionalConfigs() {
    return List.of(
        Named.of("amortised orthogonal", new SylvesterConfig(2, "orthogonal", null, null)),
        Named.of("amortised householder", new SylvesterConfig(2, "householder", null, null)),
        Named.of("amortised triangular", new SylvesterConfig(2, "triangular", null, null)));
  }

  @Override
  protected List<Shape> shapes() {
    return List.of(new Shape(2), new Shape(5));
  }
}
