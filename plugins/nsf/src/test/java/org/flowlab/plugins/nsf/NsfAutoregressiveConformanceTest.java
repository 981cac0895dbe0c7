package org.flowlab.plugins.nsf;

import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.spi.FlowFamily;
import org.flowlab.api.testkit.FlowConformanceTest;
import org.junit.jupiter.api.Named;

/**
 * RQ-NSF(AR) against the shared conformance tests on 2, 3 and 5 dimensions: MADE conditioners in
 * the MAF direction, orders natural then reversed; with actnorm and the default minima, and
 * without, with few bins and a small tail bound (perturbed points in the tails too). Sampling runs
 * the d-pass inverse, so export parity covers the unrolled passes.
 */
class NsfAutoregressiveConformanceTest extends FlowConformanceTest<NsfConfig> {
  @Override
  protected FlowFamily<NsfConfig> family() {
    return new NsfFamily();
  }

  @Override
  protected List<Named<NsfConfig>> configs() {
    return List.of(
        Named.of(
            "8-bins-actnorm",
            new NsfConfig(
                "autoregressive",
                3,
                List.of(16, 16),
                null,
                null,
                "relu",
                8,
                3.0,
                null,
                null,
                null,
                true)),
        Named.of(
            "3-bins-small-bound",
            new NsfConfig(
                "autoregressive",
                2,
                List.of(8),
                null,
                null,
                "tanh",
                3,
                1.0,
                0.01,
                0.01,
                0.01,
                false)));
  }

  @Override
  protected List<Shape> shapes() {
    return List.of(new Shape(2), new Shape(3), new Shape(5));
  }
}
