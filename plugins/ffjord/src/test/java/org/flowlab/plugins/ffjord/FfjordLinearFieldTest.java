package org.flowlab.plugins.ffjord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.linalg.Lu;
import org.flowlab.api.nn.Parameter;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.random.Seeds;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.testkit.FlowChecks;
import org.junit.jupiter.api.Test;

/**
 * A field with no hidden layer ({@code hidden: []}) is linear in z, so the exact trace's tangents
 * (the basis, broadcast over the batch) never meet a per-sample slope: the log-det must still come
 * out per sample, the same for every sample, and equal to the brute-force log|det ∂z/∂x|.
 */
class FfjordLinearFieldTest {
  @Test
  void aLinearFieldHasOneExactLogDetPerSample() {
    FfjordConfig config =
        FfjordOnnxTest.config(1, List.of(), "softplus", "concatsquash", true, "rk4", false);
    try (NDManager m = NDManager.newBaseManager()) {
      Flow flow =
          new FfjordFamily()
              .build(config, new BuildContext(new Shape(2), ParameterScope.root(m, 3)));
      for (Parameter p : flow.parameters()) {
        if (p.name().endsWith("net.0.weight")) {
          p.value().set(new float[] {0.8f, 0.3f, -0.2f, 0.5f}); // trace 1.3: the volume grows
        }
      }
      int n = 5;
      NDArray x = m.create(Seeds.normal(Seeds.stream(3, "x"), n * 2), new Shape(n, 2));
      Transformed t = flow.encode(x, LogDetMode.EXACT);
      assertEquals(LogDetMode.EXACT, t.mode());
      float[] logDet = t.logDet().toFloatArray();
      assertEquals(n, logDet.length, "one log-det per sample");
      double[][][] jac = FlowChecks.jacobians(v -> flow.encode(v, LogDetMode.EXACT).value(), x);
      for (int s = 0; s < n; s++) {
        assertEquals(logDet[0], logDet[s], 1e-5, "a linear field changes every volume alike");
        assertEquals(Lu.logAbsDet(jac[s]), logDet[s], 1e-3, "brute-force log-det");
      }
      assertTrue(logDet[0] > 0.1, "the field changes volume: " + logDet[0]);
    }
  }
}
