package org.flowlab.plugins.ffjord;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.random.Seeds;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.testkit.FlowChecks;
import org.flowlab.core.train.AutocastChecks;
import org.junit.jupiter.api.Test;

/**
 * FFJORD's own time-conditioned linear layers compute in bfloat16 when training does (the adaptive
 * solver's state and error control stay float32).
 */
class FfjordPrecisionTest {
  @Test
  void itsLinearLayersComputeInBfloat16WhileTraining() {
    try (NDManager m = NDManager.newBaseManager()) {
      AutocastChecks.assertComputesInBfloat16(
          scope -> {
            Flow flow =
                new FfjordFamily()
                    .build(FfjordConfig.defaults(), new BuildContext(new Shape(2), scope));
            FlowChecks.perturb(flow, 3, 0.3);
            return flow;
          },
          3,
          m.create(Seeds.normal(Seeds.stream(3, "x"), 128 * 2), new Shape(128, 2)),
          0.1);
    }
  }
}
