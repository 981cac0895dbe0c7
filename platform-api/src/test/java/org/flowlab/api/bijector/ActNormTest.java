package org.flowlab.api.bijector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.linalg.Lu;
import org.flowlab.api.nn.Parameter;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.random.Seeds;
import org.flowlab.api.testkit.FlowChecks;
import org.junit.jupiter.api.Test;

class ActNormTest {
  /** A batch with per-feature means {@code mean} and spreads {@code std}; features correlated. */
  private static NDArray skewed(NDManager m, Shape shape, float[] mean, float[] std, String seed) {
    int n = Math.toIntExact(shape.get(0));
    int c = mean.length;
    int per = Math.toIntExact(shape.size() / n / c);
    float[] noise = Seeds.normal(Seeds.stream(5, seed), Math.toIntExact(shape.size()));
    float[] v = new float[noise.length];
    for (int s = 0; s < n; s++) {
      for (int ch = 0; ch < c; ch++) {
        for (int p = 0; p < per; p++) {
          int i = (s * c + ch) * per + p;
          int shared = (s * c) * per + p; // channel 0's noise, shared to correlate channels
          float z = ch == 0 ? noise[i] : 0.6f * noise[shared] + 0.8f * noise[i];
          v[i] = mean[ch] + std[ch] * z;
        }
      }
    }
    return m.create(v, shape);
  }

  /** Per-channel mean and standard deviation over batch and spatial axes. */
  private static double[][] stats(NDArray y) {
    long n = y.getShape().get(0);
    int c = Math.toIntExact(y.getShape().get(1));
    float[] v = y.toFloatArray();
    int per = Math.toIntExact(y.getShape().size() / n / c);
    double[][] out = new double[2][c];
    for (int ch = 0; ch < c; ch++) {
      double sum = 0;
      double sq = 0;
      for (int s = 0; s < n; s++) {
        for (int p = 0; p < per; p++) {
          double x = v[(int) ((s * c + ch) * per + p)];
          sum += x;
          sq += x * x;
        }
      }
      double count = n * per;
      out[0][ch] = sum / count;
      out[1][ch] = Math.sqrt(sq / count - out[0][ch] * out[0][ch]);
    }
    return out;
  }

  @Test
  void initializeStandardisesEachFeatureAndSetsTheFlag() {
    try (NDManager m = NDManager.newBaseManager()) {
      ActNorm actnorm = new ActNorm(ParameterScope.root(m, 1).child("an"), new Shape(3));
      assertFalse(actnorm.isInitialized());
      NDArray x =
          skewed(m, new Shape(512, 3), new float[] {3, -1, 0.5f}, new float[] {2, 0.5f, 4}, "x");
      double[][] before = stats(x);
      assertTrue(Math.abs(before[0][0] - 3) < 0.3 && Math.abs(before[1][2] - 4) < 0.5);

      double[][] after = stats(actnorm.initialize(x));
      for (int ch = 0; ch < 3; ch++) {
        assertEquals(0, after[0][ch], 1e-4, "mean of feature " + ch);
        assertEquals(1, after[1][ch], 1e-3, "std of feature " + ch);
      }
      assertTrue(actnorm.isInitialized());
    }
  }

  @Test
  void theFlagPreventsReinitialisationAlsoAfterARestore() {
    try (NDManager m = NDManager.newBaseManager()) {
      ActNorm first = new ActNorm(ParameterScope.root(m, 1).child("an"), new Shape(2));
      ParameterScope scope = ParameterScope.root(m, 1);
      ActNorm actnorm = new ActNorm(scope.child("an"), new Shape(2));
      List<Parameter> params = scope.parameters();
      actnorm.initialize(skewed(m, new Shape(256, 2), new float[] {1, 2}, new float[] {3, 4}, "a"));
      float[][] initialised = values(params);

      NDArray other = skewed(m, new Shape(256, 2), new float[] {-5, 0}, new float[] {0.1f, 9}, "b");
      NDArray y = actnorm.initialize(other);
      assertArrayEquals(initialised, values(params), "a second initialize changes nothing");
      assertArrayEquals(
          actnorm.forward(other, LogDetMode.EXACT).value().toFloatArray(), y.toFloatArray());

      // A checkpoint restore copies every parameter and buffer, the flag included.
      ParameterScope restoredScope = ParameterScope.root(m, 2);
      ActNorm restored = new ActNorm(restoredScope.child("an"), new Shape(2));
      for (int i = 0; i < params.size(); i++) {
        restoredScope.parameters().get(i).assign(params.get(i).value());
      }
      assertTrue(restored.isInitialized());
      restored.initialize(other);
      assertArrayEquals(initialised, values(restoredScope.parameters()));
      assertFalse(first.isInitialized(), "flags are per layer");
    }
  }

  @Test
  void imagesShareScaleOverPositionsAndLogDetMatchesTheJacobian() {
    try (NDManager m = NDManager.newBaseManager()) {
      Shape event = new Shape(2, 3, 4);
      ActNorm actnorm = new ActNorm(ParameterScope.root(m, 1).child("an"), event);
      NDArray x =
          skewed(m, new Shape(64, 2, 3, 4), new float[] {2, -3}, new float[] {0.5f, 3}, "i");
      double[][] after = stats(actnorm.initialize(x));
      for (int ch = 0; ch < 2; ch++) {
        assertEquals(0, after[0][ch], 1e-4);
        assertEquals(1, after[1][ch], 1e-3);
      }
      NDArray probe = x.get("0:3");
      Transformed t = actnorm.forward(probe, LogDetMode.EXACT);
      double[][][] jac =
          FlowChecks.jacobians(in -> actnorm.forward(in, LogDetMode.EXACT).value(), probe);
      float[] logDet = t.logDet().toFloatArray();
      assertEquals(3, logDet.length);
      for (int s = 0; s < 3; s++) {
        assertEquals(Lu.logAbsDet(jac[s]), logDet[s], 1e-4);
      }
      assertTrue(Math.abs(logDet[0]) > 1, "the initialised layer changes volume");
      assertTrue(FlowChecks.maxAbsDiff(actnorm.inverse(t.value()), probe) < 1e-5);
    }
  }

  private static float[][] values(List<Parameter> params) {
    return params.stream().map(p -> p.value().toFloatArray()).toArray(float[][]::new);
  }
}
