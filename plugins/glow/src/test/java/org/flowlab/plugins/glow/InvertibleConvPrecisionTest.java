package org.flowlab.plugins.glow;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.distribution.StandardNormal;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.random.Seeds;
import org.flowlab.core.train.AutocastChecks;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Glow's invertible 1×1 convolution computes in bfloat16 when training does; its log-det (from the
 * LU factors, or the plain weight's double-precision LU) stays float32.
 */
class InvertibleConvPrecisionTest {
  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void theConvolutionComputesInBfloat16WhileTraining(boolean lu) {
    Shape event = new Shape(6, 2, 2);
    try (NDManager m = NDManager.newBaseManager()) {
      AutocastChecks.assertComputesInBfloat16(
          scope ->
              new Flow(
                  event,
                  new StandardNormal(),
                  List.of(new InvertibleConv(scope.child("conv"), event, lu)),
                  scope.parameters()),
          3,
          m.create(Seeds.normal(Seeds.stream(3, "x"), 16 * 24), new Shape(16).addAll(event)),
          0.1);
    }
  }
}
