package org.flowlab.api.bijector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.flowlab.api.nn.EagerOps;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxTensor;
import org.flowlab.api.onnx.runtime.OnnxSession;
import org.flowlab.api.onnx.runtime.OnnxSession.Input;
import org.flowlab.api.ops.Mapped;
import org.flowlab.api.ops.OnnxOps;
import org.flowlab.api.ops.Traced;
import org.junit.jupiter.api.Test;

/**
 * The rational-quadratic spline at the points where splines go wrong: exactly on the knots (of the
 * input for forward, of the output for inverse), 1e-6 either side of them, at ±B, and deep in both
 * tails; plus random points inside. One random set of parameters (K = 8, B = 3, default minima)
 * serves every point, so the knots are known.
 */
class RationalQuadraticSplineTest {
  private static final int K = 8;
  private static final double B = 3;
  private static final RationalQuadraticSpline SPLINE =
      new RationalQuadraticSpline(K, B, 1e-3, 1e-3, 1e-3);
  private static final int P = 3 * K - 1;

  /** One element's raw parameters, N(0, 1.5²): uneven bins and derivatives far from 1. */
  private static double[] theta() {
    Random random = new Random(17);
    double[] theta = new double[P];
    for (int i = 0; i < P; i++) {
      theta[i] = 1.5 * random.nextGaussian();
    }
    return theta;
  }

  /** {@code theta} repeated for {@code n} one-element events: shape (n, P, 1). */
  private static NDArray params(NDManager m, int n, DataType type) {
    double[] theta = theta();
    double[] all = new double[n * P];
    for (int i = 0; i < n; i++) {
      System.arraycopy(theta, 0, all, i * P, P);
    }
    return m.create(all, new Shape(n, P, 1)).toType(type, false);
  }

  /** The knots of the input (or output) as doubles, computed in {@code type}. */
  private static double[] knots(NDManager m, boolean heights, DataType type) {
    NDArray k = SPLINE.knots(params(m, 1, type), heights);
    return k.toType(DataType.FLOAT64, false).toDoubleArray();
  }

  /** Knots, knots ± 1e-6, ±B, points in both tails and random interior points. */
  private static double[] points(double[] knots) {
    Random random = new Random(3);
    double[] tails = {-1e3, -50, -B - 1e-3, -B, B, B + 1e-3, 7, 1e3};
    double[] out = new double[3 * knots.length + tails.length + 40];
    int i = 0;
    for (double k : knots) {
      out[i++] = k;
      out[i++] = k - 1e-6;
      out[i++] = k + 1e-6;
    }
    for (double t : tails) {
      out[i++] = t;
    }
    while (i < out.length) {
      out[i++] = (2 * random.nextDouble() - 1) * B;
    }
    return out;
  }

  private static NDArray column(NDManager m, double[] values, DataType type) {
    return m.create(values, new Shape(values.length, 1)).toType(type, false);
  }

  private static double[] doubles(NDArray a) {
    return a.toType(DataType.FLOAT64, false).toDoubleArray();
  }

  @Test
  void inverseUndoesForwardOnKnotsAroundThemAndInTheTails() {
    for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT64}) {
      double tolerance = type == DataType.FLOAT32 ? 2e-5 : 1e-10;
      try (NDManager m = NDManager.newBaseManager()) {
        for (boolean fromLatent : new boolean[] {false, true}) {
          double[] start = points(knots(m, fromLatent, type));
          NDArray v = column(m, start, type);
          NDArray theta = params(m, start.length, type);
          Mapped<NDArray> there =
              fromLatent
                  ? SPLINE.inverse(EagerOps.FLOAT32, v, theta)
                  : SPLINE.forward(EagerOps.FLOAT32, v, theta);
          Mapped<NDArray> back =
              fromLatent
                  ? SPLINE.forward(EagerOps.FLOAT32, there.value(), theta)
                  : SPLINE.inverse(EagerOps.FLOAT32, there.value(), theta);
          double[] end = doubles(back.value());
          double[] sum = doubles(there.logDet().add(back.logDet()));
          for (int i = 0; i < start.length; i++) {
            String at = type + (fromLatent ? " from latent " : " from data ") + start[i];
            assertEquals(start[i], end[i], tolerance * Math.max(1, Math.abs(start[i])), at);
            assertEquals(0, sum[i], 100 * tolerance, "log-dets cancel, " + at);
          }
        }
      }
    }
  }

  @Test
  void logDerivativeMatchesFiniteDifferences() {
    double h = 1e-7;
    try (NDManager m = NDManager.newBaseManager()) {
      DataType type = DataType.FLOAT64;
      double[] x = points(knots(m, false, type));
      NDArray theta = params(m, x.length, type);
      double[] logDet =
          doubles(SPLINE.forward(EagerOps.FLOAT32, column(m, x, type), theta).logDet());
      double[] plus = new double[x.length];
      double[] minus = new double[x.length];
      for (int i = 0; i < x.length; i++) {
        plus[i] = x[i] + h;
        minus[i] = x[i] - h;
      }
      double[] up = doubles(SPLINE.forward(EagerOps.FLOAT32, column(m, plus, type), theta).value());
      double[] down =
          doubles(SPLINE.forward(EagerOps.FLOAT32, column(m, minus, type), theta).value());
      for (int i = 0; i < x.length; i++) {
        double slope = (up[i] - down[i]) / (2 * h);
        assertTrue(slope > 0, "monotonic at " + x[i]);
        assertEquals(Math.log(slope), logDet[i], 1e-5, "log dy/dx at " + x[i]);
      }
    }
  }

  @Test
  void theTailsAreTheIdentityAndTheKnotsMapToKnots() {
    try (NDManager m = NDManager.newBaseManager()) {
      DataType type = DataType.FLOAT64;
      double[] tails = {-1e3, -50, -B - 1e-3, B + 1e-3, 7, 1e3};
      Mapped<NDArray> r =
          SPLINE.forward(EagerOps.FLOAT32, column(m, tails, type), params(m, tails.length, type));
      assertArrayEquals(tails, doubles(r.value()), 0.0);
      assertArrayEquals(new double[tails.length], doubles(r.logDet()), 0.0);
      double[] xs = knots(m, false, type);
      double[] ys = knots(m, true, type);
      assertEquals(-B, xs[0], 0.0);
      assertEquals(B, xs[K], 0.0);
      double[] mapped =
          doubles(
              SPLINE
                  .forward(EagerOps.FLOAT32, column(m, xs, type), params(m, K + 1, type))
                  .value());
      assertArrayEquals(ys, mapped, 1e-12, "knot k of x maps to knot k of y");
    }
  }

  @Test
  void zeroParametersGiveTheIdentity() {
    try (NDManager m = NDManager.newBaseManager()) {
      double[] x = points(knots(m, false, DataType.FLOAT32));
      NDArray v = column(m, x, DataType.FLOAT32);
      NDArray zeros = m.zeros(new Shape(x.length, P, 1));
      Mapped<NDArray> r = SPLINE.forward(EagerOps.FLOAT32, v, zeros);
      double[] y = doubles(r.value());
      for (int i = 0; i < x.length; i++) {
        assertEquals(x[i], y[i], 1e-5 * Math.max(1, Math.abs(x[i])), "at " + x[i]);
      }
      assertTrue(
          Arrays.stream(doubles(r.logDet())).allMatch(d -> Math.abs(d) < 1e-5),
          "log-derivative 0 everywhere");
    }
  }

  @Test
  void onnxRuntimeAgreesInBothDirections() {
    try (NDManager m = NDManager.newBaseManager()) {
      DataType type = DataType.FLOAT32;
      for (boolean inverse : new boolean[] {false, true}) {
        double[] v = points(knots(m, inverse, type));
        NDArray input = column(m, v, type);
        NDArray theta = params(m, v.length, type);
        Mapped<NDArray> jvm =
            inverse
                ? SPLINE.inverse(EagerOps.FLOAT32, input, theta)
                : SPLINE.forward(EagerOps.FLOAT32, input, theta);

        OnnxGraph graph = new OnnxGraph("spline");
        OnnxTensor x = graph.input("x", new Shape(1));
        OnnxTensor p = graph.input("params", new Shape(P, 1));
        OnnxOps ops = new OnnxOps(graph);
        Mapped<Traced> e =
            inverse
                ? SPLINE.inverse(ops, Traced.of(x), Traced.of(p))
                : SPLINE.forward(ops, Traced.of(x), Traced.of(p));
        graph.output("value", e.value().tensor());
        graph.output("log_det", e.logDet().tensor());
        Map<String, Input> feed =
            Map.of(
                "x", new Input(input.toFloatArray(), v.length, 1),
                "params", new Input(theta.toFloatArray(), v.length, P, 1));
        try (OnnxSession model = OnnxSession.open(graph.toBytes(), OnnxSession.Provider.CPU)) {
          float[] value = model.run(feed, "value");
          float[] logDet = model.run(feed, "log_det");
          float[] jvmValue = jvm.value().toFloatArray();
          float[] jvmLogDet = jvm.logDet().toFloatArray();
          for (int i = 0; i < v.length; i++) {
            String at = (inverse ? "inverse at " : "forward at ") + v[i];
            assertEquals(jvmValue[i], value[i], 1e-5 * Math.max(1, Math.abs(v[i])), at);
            assertEquals(jvmLogDet[i], logDet[i], 1e-4, "log-det, " + at);
          }
        }
      }
    }
  }

  @Test
  void invalidSettingsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new RationalQuadraticSpline(1, 3, 0, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new RationalQuadraticSpline(8, 0, 0, 0, 0));
    assertThrows(
        IllegalArgumentException.class, () -> new RationalQuadraticSpline(8, 3, 0.2, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new RationalQuadraticSpline(8, 3, 0, 0, 1));
  }
}
