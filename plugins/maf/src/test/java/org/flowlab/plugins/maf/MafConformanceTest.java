package org.flowlab.plugins.maf;

import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.spi.FlowFamily;
import org.flowlab.api.testkit.FlowConformanceTest;
import org.junit.jupiter.api.Named;

/**
 * MAF against the shared conformance tests (export parity of the one-pass density and the unrolled
 * d-pass sampler included), on 2D, an odd dimension and a (flattened) image.
 */
class MafConformanceTest extends FlowConformanceTest<MafConfig> {
  @Override
  protected FlowFamily<MafConfig> family() {
    return new MafFamily();
  }

  @Override
  protected List<Named<MafConfig>> configs() {
    return List.of(
        Named.of(
            "reversed-actnorm",
            new MafConfig(2, List.of(16, 16), "reversed", "tanh", null, true, true, 3.0, "normal")),
        Named.of(
            "random-narrow-logistic",
            new MafConfig(3, List.of(8), "random", "relu", null, false, false, 2.0, "logistic")),
        Named.of(
            "residual-elu",
            new MafConfig(2, List.of(16, 16, 16), "reversed", "elu", true, true, true, 3.0, null)));
  }

  /** Conditioned on a context: every vector shape, a fixed random context. */
  @Override
  protected List<Named<MafConfig>> conditionalConfigs() {
    return configs().subList(0, 1);
  }

  @Override
  protected List<Shape> shapes() {
    return List.of(new Shape(2), new Shape(5), new Shape(1, 4, 4));
  }
}
