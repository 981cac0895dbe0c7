package org.flowlab.plugins.residual;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.SplittableRandom;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.testkit.FlowChecks;
import org.flowlab.core.train.AutocastChecks;
import org.junit.jupiter.api.Test;

/**
 * The residual family's own linear layers (LipschitzMlp) compute in bfloat16 when training does.
 */
class ResidualPrecisionTest {
  @Test
  void itsLinearLayersComputeInBfloat16WhileTraining() {
    try (NDManager m = NDManager.newBaseManager()) {
      ResidualConfig config =
          ResidualTesting.config("iresnet", 2, List.of(16, 16), null, 0.9, null, null);
      AutocastChecks.assertComputesInBfloat16(
          scope -> {
            Flow flow = new ResidualFamily().build(config, new BuildContext(new Shape(2), scope));
            FlowChecks.perturb(flow, 3, 0.3);
            return flow;
          },
          3,
          ResidualTesting.eightGaussians(m, 256, new SplittableRandom(1)),
          0.1);
    }
  }
}
