package org.flowlab.core.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Map;
import org.flowlab.api.nn.Scalars;
import org.flowlab.api.onnx.ExportTolerance;
import org.flowlab.api.onnx.OnnxModels;
import org.flowlab.api.onnx.runtime.OnnxSession;
import org.flowlab.api.random.Seeds;
import org.flowlab.core.config.VaeConfig;
import org.junit.jupiter.api.Test;

/**
 * The exported generator (z, temperature → Bernoulli means) agrees with the eager decoder in ONNX
 * Runtime, within the export tolerance of samples.
 */
class VaeGeneratorTest {
  @Test
  void onnxRuntimeReproducesTheDecoderMeans() {
    try (NDManager m = NDManager.newBaseManager()) {
      VaeModel model =
          VaeModel.build(new VaeConfig(3, List.of(16, 8), "elu", 1, null), null, 16, m, 9);
      Shape event = new Shape(1, 4, 4);
      byte[] onnx = VaeGenerator.toOnnx(model, event);
      int n = 64;
      float temperature = 0.8f;
      float[] z = Seeds.normal(Seeds.stream(2, "z"), n * 3);
      float[] eager =
          model.means(Scalars.mul(m.create(z, new Shape(n, 3)), temperature)).toFloatArray();
      float[] ort;
      try (OnnxSession session = OnnxSession.open(onnx, OnnxSession.Provider.CPU)) {
        ort =
            session.run(
                Map.of(
                    OnnxModels.Z,
                    new OnnxSession.Input(z, n, 3),
                    OnnxModels.TEMPERATURE,
                    new OnnxSession.Input(new float[] {temperature}, new long[0])),
                OnnxModels.X);
      }
      assertEquals(n * 16, ort.length, "(N, 1, 4, 4) means");
      double worst = 0;
      double lo = 1;
      double hi = 0;
      for (int i = 0; i < ort.length; i++) {
        assertTrue(ort[i] >= 0 && ort[i] <= 1, "a Bernoulli mean: " + ort[i]);
        worst = Math.max(worst, Math.abs(ort[i] - eager[i]));
        lo = Math.min(lo, eager[i]);
        hi = Math.max(hi, eager[i]);
      }
      assertTrue(hi - lo > 0.05, "the means depend on z: " + lo + " .. " + hi);
      assertTrue(worst <= ExportTolerance.sample(eager), "max |Δ mean| " + worst);
    }
  }
}
