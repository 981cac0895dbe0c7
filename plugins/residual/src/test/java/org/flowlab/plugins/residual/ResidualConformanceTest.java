package org.flowlab.plugins.residual;

import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.spi.FlowFamily;
import org.flowlab.api.testkit.FlowConformanceTest;
import org.junit.jupiter.api.Named;

/**
 * Both variants against the shared conformance tests on d = 2 and 5 (MLP blocks) and on images (1,
 * 4, 4) (the two-scale model of convolutional blocks: squeeze and factor-out), where {@code EXACT}
 * is the exact determinant (checked against the brute-force Jacobian) and {@code ESTIMATE} is
 * checked for unbiasedness (Residual Flows). The i-ResNet truncated series is biased by design: its
 * check is skipped here and {@link ResidualBlockTest} compares it with the exact truncated series
 * instead.
 */
class ResidualConformanceTest extends FlowConformanceTest<ResidualConfig> {
  @Override
  protected FlowFamily<ResidualConfig> family() {
    return new ResidualFamily();
  }

  @Override
  protected List<Named<ResidualConfig>> configs() {
    return List.of(
        Named.of("residual_flows", ResidualTesting.small("residual_flows", null, "geometric")),
        Named.of(
            "residual_flows-poisson-elu",
            ResidualTesting.small("residual_flows", "elu", "poisson")),
        Named.of("iresnet", ResidualTesting.small("iresnet", null, null)));
  }

  @Override
  protected List<Shape> shapes() {
    return List.of(new Shape(2), new Shape(5), new Shape(1, 4, 4));
  }

  @Override
  protected boolean estimatedLogDet() {
    return true;
  }

  /** 120 draws (default 200): the image shape's draws dominate the module's test time. */
  @Override
  protected int estimatorDraws() {
    return 120;
  }

  @Override
  protected boolean unbiasedEstimator(ResidualConfig config) {
    return config.residualFlows();
  }
}
