package org.flowlab.api.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.Parameter;
import org.flowlab.api.nn.ParameterScope;
import org.junit.jupiter.api.Test;

/** An export's calibration runs once per set of parameter values. */
class ExportCalibrationTest {
  @Test
  void calibratesOnceThenAgainWhenAValueChanges() {
    try (NDManager m = NDManager.newBaseManager()) {
      ParameterScope scope = ParameterScope.root(m, 1);
      scope.trainable("w", new Shape(3), Initializer.ONES);
      List<Parameter> parameters = scope.parameters();
      int[] runs = {0};
      ExportCalibration<Integer> calibration =
          new ExportCalibration<>(List.of(parameters.get(0).value()), () -> ++runs[0]);
      assertEquals(1, calibration.get());
      assertEquals(1, calibration.get(), "same values: the first choice is kept");
      parameters.get(0).assign(m.create(new float[] {1, 1, 1.0000001f}));
      assertEquals(2, calibration.get(), "one value changed by one ulp: calibrated again");
      assertEquals(2, calibration.get());
    }
  }

  @Test
  void aFailedCalibrationKeepsNothing() {
    int[] runs = {0};
    ExportCalibration<String> calibration =
        new ExportCalibration<>(
            List.of(),
            () -> {
              if (++runs[0] == 1) {
                throw new OnnxExportException("no step count reaches the tolerance");
              }
              return "chosen";
            });
    assertThrows(OnnxExportException.class, calibration::get);
    assertEquals("chosen", calibration.get());
    assertEquals("chosen", calibration.get());
    assertEquals(2, runs[0]);
  }
}
