package org.flowlab.plugins.vi;

import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.spi.FlowFamily;
import org.flowlab.api.testkit.FlowConformanceTest;
import org.junit.jupiter.api.Named;

/**
 * Planar flows against the shared conformance tests, sampling direction, plain and amortised (a
 * context).
 */
class PlanarConformanceTest extends FlowConformanceTest<PlanarConfig> {
  @Override
  protected FlowFamily<PlanarConfig> family() {
    return new PlanarFamily();
  }

  @Override
  protected List<Named<PlanarConfig>> configs() {
    return List.of(
        Named.of("one layer", new PlanarConfig(1, true)),
        Named.of("four layers", new PlanarConfig(4, true)));
  }

  @Override
  protected List<Named<PlanarConfig>> conditionalConfigs() {
    return List.of(Named.of("amortised, two layers", new PlanarConfig(2, true)));
  }

  @Override
  protected List<Shape> shapes() {
    return List.of(new Shape(2), new Shape(5));
  }
}
