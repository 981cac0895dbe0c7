package org.flowlab.api.onnx;

import ai.djl.ndarray.NDArray;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * A choice an export makes by running the JVM model (a calibration), kept until the parameters'
 * values change. Any other pure function of parameter values that is costly to recompute and asked
 * for again and again can be kept the same way (the residual plugin's converged σ̂ of a
 * convolution's spectral norm, say).
 *
 * <p>What it is for: some bijectors have no graph of fixed size. An adaptive ODE solve (FFJORD) or
 * a fixed-point inverse iterated to a tolerance (i-ResNet, Residual Flows) is exported unrolled to
 * a fixed count (RK4 steps, iterations), and that count is chosen by solving probe draws in the JVM
 * until the unrolled computation agrees: seconds of work that both directions of one export, and
 * every block calibrated together, should share, but that a later export of changed (trained)
 * parameters must redo. {@link #get} runs the calibration on first use and again only when a value
 * of the given parameters differs from the values it last calibrated on. It compares an exact copy
 * of those values (not a hash), so no change goes unnoticed.
 *
 * @param <T> what the calibration chooses
 */
public final class ExportCalibration<T> {
  private final List<NDArray> values;
  private final Supplier<T> calibrate;
  private float[][] calibratedOn;
  private T value;

  /**
   * @param values the live values of the parameters (and buffers) the choice depends on, which
   *     training updates in place ({@code Parameter.value()}); none for a choice made once
   * @param calibrate runs the JVM model and makes the choice (may throw, e.g. an {@link
   *     OnnxExportException} when no count reaches the tolerance: nothing is kept then)
   */
  public ExportCalibration(List<NDArray> values, Supplier<T> calibrate) {
    this.values = List.copyOf(values);
    this.calibrate = calibrate;
  }

  /** The choice for the parameters' current values: calibrated now, or kept from the last time. */
  public T get() {
    float[][] current = new float[values.size()][];
    for (int i = 0; i < current.length; i++) {
      current[i] = values.get(i).toFloatArray();
    }
    if (value == null || !Arrays.deepEquals(current, calibratedOn)) {
      value = null;
      value = calibrate.get();
      calibratedOn = current;
    }
    return value;
  }
}
