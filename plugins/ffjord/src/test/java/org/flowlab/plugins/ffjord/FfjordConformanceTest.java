package org.flowlab.plugins.ffjord;

import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.spi.FlowFamily;
import org.flowlab.api.testkit.FlowConformanceTest;
import org.junit.jupiter.api.Named;

/**
 * FFJORD against the shared conformance tests (export parity included): an adaptive dopri5 config
 * with a ConcatSquash block and actnorm (default evaluation tolerances, 1e-6), and a fixed-step rk4
 * config with a concat layer and a fixed end time; vectors (2) and (3) and images (1, 4, 4) (the
 * multiscale model: 2 scales with squeeze and factor-out, three CNF blocks with conv time nets,
 * exact trace at d = 16 and 8). One block per scale keeps the image checks and unrolled export
 * graphs small; stacked blocks are exported in FfjordOnnxTest. The shared tolerances are kept:
 * measured round-trip errors are below 1e-6, far inside 1e-4.
 */
class FfjordConformanceTest extends FlowConformanceTest<FfjordConfig> {
  @Override
  protected FlowFamily<FfjordConfig> family() {
    return new FfjordFamily();
  }

  @Override
  protected boolean estimatedLogDet() {
    return true;
  }

  /**
   * 100 Hutchinson draws (not 200): the image configs solve six conv CNF blocks per draw;
   * FfjordTest checks the estimator with 5000 probes.
   */
  @Override
  protected int estimatorDraws() {
    return 100;
  }

  @Override
  protected List<Named<FfjordConfig>> configs() {
    return List.of(
        Named.of("dopri5-concatsquash-actnorm", config(1, "concatsquash", true, "dopri5", true)),
        Named.of("rk4-concat-fixed-T", config(1, "concat", false, "rk4", false)));
  }

  @Override
  protected List<Shape> shapes() {
    return List.of(new Shape(2), new Shape(3), new Shape(1, 4, 4));
  }

  /** Small configs: hidden [8], rk4 with 8 steps; the rest at defaults. */
  static FfjordConfig config(
      int blocks, String layer, boolean trainT, String solver, boolean actnorm) {
    return new FfjordConfig(
        blocks,
        List.of(8),
        "softplus",
        layer,
        0.8,
        trainT,
        solver,
        null,
        null,
        null,
        null,
        8,
        null,
        null,
        null,
        null,
        actnorm,
        null,
        null,
        null,
        null);
  }
}
