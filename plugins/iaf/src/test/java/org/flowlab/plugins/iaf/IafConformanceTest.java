package org.flowlab.plugins.iaf;

import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.spi.FlowFamily;
import org.flowlab.api.testkit.FlowConformanceTest;
import org.junit.jupiter.api.Named;

/**
 * IAF against the shared conformance tests (export parity of the unrolled d-pass density and the
 * one-pass sampler included), affine and gated, on 2D, an odd dimension and a (flattened) image.
 */
class IafConformanceTest extends FlowConformanceTest<IafConfig> {
  @Override
  protected FlowFamily<IafConfig> family() {
    return new IafFamily();
  }

  @Override
  protected List<Named<IafConfig>> configs() {
    return List.of(
        Named.of(
            "affine-reversed-actnorm",
            new IafConfig(
                2, List.of(16, 16), "reversed", "tanh", null, false, true, true, 3.0, "normal")),
        Named.of(
            "gated-random-narrow-logistic",
            new IafConfig(
                3, List.of(8), "random", "relu", null, true, false, false, null, "logistic")),
        Named.of(
            "residual-affine",
            new IafConfig(
                2, List.of(8, 8), "reversed", "elu", true, false, true, true, 3.0, null)));
  }

  /** Conditioned on a context: every vector shape, a fixed random context. */
  @Override
  protected List<Named<IafConfig>> conditionalConfigs() {
    return configs();
  }

  @Override
  protected List<Shape> shapes() {
    return List.of(new Shape(2), new Shape(5), new Shape(1, 4, 4));
  }
}
