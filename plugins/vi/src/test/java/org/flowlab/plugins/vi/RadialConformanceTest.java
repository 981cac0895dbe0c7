package org.flowlab.plugins.vi;

import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.spi.FlowFamily;
import org.flowlab.api.testkit.FlowConformanceTest;
import org.junit.jupiter.api.Named;

/**
 * Radial flows against the shared conformance tests, sampling direction, plain and amortised (a
 * context).
 */
class RadialConformanceTest extends FlowConformanceTest<RadialConfig> {
  @Override
  protected FlowFamily<RadialConfig> family() {
    return new RadialFamily();
  }

  @Override
  protected List<Named<RadialConfig>> configs() {
    return List.of(
        Named.of("one layer", new RadialConfig(1)), Named.of("four", new RadialConfig(4)));
  }

  @Override
  protected List<Named<RadialConfig>> conditionalConfigs() {
    return List.of(Named.of("amortised, two layers", new RadialConfig(2)));
  }

  @Override
  protected List<Shape> shapes() {
    return List.of(new Shape(2), new Shape(5));
  }
}
