package org.flowlab.plugins.nsf;

import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.spi.FlowFamily;
import org.flowlab.api.testkit.FlowConformanceTest;
import org.junit.jupiter.api.Named;

/**
 * Spline couplings against the shared conformance tests: on 2, 3 and 5 dimensions (MLP couplings)
 * and on small images (levels of squeeze, conv couplings and factor-out), with and without actnorm,
 * with the default and with few wide bins and a small tail bound (so that perturbed points land in
 * the tails too).
 */
class NsfConformanceTest extends FlowConformanceTest<NsfConfig> {
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
                "coupling", 3, List.of(16, 16), 8, 2, "relu", 8, 3.0, null, null, null, true)),
        Named.of(
            "3-bins-small-bound",
            new NsfConfig(
                "coupling", 2, List.of(16), 4, 1, "tanh", 3, 1.0, 0.01, 0.01, 0.01, false)));
  }

  /**
   * Half the default 0.2: at 0.2 the perturbed conv conditioners of the (2, 4, 4) model push some
   * spline slopes down to 1e-3 (the minimum derivative), where float32 inversion cannot do better
   * than ulp(y)/slope ≈ 2.4e-7/1.4e-3 ≈ 1.7e-4 (measured: round-trip error 7.9e-5 for that one
   * coupling, 1.1e-3 through the flow). That is the conditioning of the map, not of the inverse.
   */
  @Override
  protected double perturbation() {
    return 0.1;
  }

  /** Conditioned on a context: every vector shape, a fixed random context. */
  @Override
  protected List<Named<NsfConfig>> conditionalConfigs() {
    return configs().subList(0, 1);
  }

  @Override
  protected List<Shape> shapes() {
    return List.of(
        new Shape(2), new Shape(3), new Shape(5), new Shape(1, 4, 4), new Shape(2, 4, 4));
  }
}
