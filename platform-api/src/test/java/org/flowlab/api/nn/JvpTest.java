package org.flowlab.api.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.random.Seeds;
import org.flowlab.api.testkit.FlowChecks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every layer's forward-mode tangent J·v equals the same product from the reverse-mode Jacobian and
 * from central finite differences.
 */
class JvpTest {
  private static NDArray normal(NDManager m, Shape shape, String purpose, double std) {
    float[] v = Seeds.normal(Seeds.stream(11, purpose), Math.toIntExact(shape.size()));
    for (int i = 0; i < v.length; i++) {
      v[i] *= (float) std;
    }
    return m.create(v, shape);
  }

  /** Checks jvp(x, v) against forward(x), the reverse-mode Jacobian and finite differences. */
  private static void assertJvp(Layer layer, NDArray x, NDArray v, boolean finiteDifferences) {
    Jvp jvp = layer.jvp(x, v);
    assertTrue(FlowChecks.maxAbsDiff(jvp.value(), layer.forward(x)) < 1e-6, "jvp value is f(x)");

    int n = Math.toIntExact(x.getShape().get(0));
    int dIn = Math.toIntExact(x.getShape().size() / n);
    double[][][] jac = FlowChecks.jacobians(layer::forward, x);
    float[] tangent = jvp.tangent().toFloatArray();
    float[] dir = v.toFloatArray();
    int dOut = jac[0].length;
    assertTrue(tangent.length == n * dOut, "tangent shaped like f(x)");
    double scale = 0;
    for (float t : tangent) {
      scale = Math.max(scale, Math.abs(t));
    }
    assertTrue(scale > 1e-3, "a vacuous test: the tangent is zero");
    for (int s = 0; s < n; s++) {
      for (int i = 0; i < dOut; i++) {
        double expected = 0;
        for (int j = 0; j < dIn; j++) {
          expected += jac[s][i][j] * dir[s * dIn + j];
        }
        double err = Math.abs(expected - tangent[s * dOut + i]);
        assertTrue(err <= 1e-5 * Math.max(1, scale), "reverse mode J·v differs by " + err);
      }
    }
    if (finiteDifferences) {
      double h = 1e-2;
      NDArray fd = layer.forward(x.add(v.mul(h))).sub(layer.forward(x.sub(v.mul(h)))).div(2 * h);
      double err = FlowChecks.maxAbsDiff(fd, jvp.tangent());
      assertTrue(err <= 2e-3 * Math.max(1, scale), "finite differences differ by " + err);
    }
  }

  @ParameterizedTest
  @EnumSource(Activation.class)
  void activationTangents(Activation activation) {
    try (NDManager m = NDManager.newBaseManager()) {
      float[] x = normal(m, new Shape(4, 5), "x", 1.5).toFloatArray();
      for (int i = 0; i < x.length; i++) {
        // keep clear of ReLU's and ELU's kink at 0, where finite differences straddle it
        x[i] += Math.abs(x[i]) < 0.1 ? Math.copySign(0.2f, x[i]) : 0;
      }
      NDArray v = normal(m, new Shape(4, 5), "v", 1);
      assertJvp(activation, m.create(x, new Shape(4, 5)), v, true);
    }
  }

  @Test
  void linearTangent() {
    try (NDManager m = NDManager.newBaseManager()) {
      Linear linear = new Linear(ParameterScope.root(m, 3).child("lin"), 3, 4, false);
      assertJvp(
          linear, normal(m, new Shape(5, 3), "x", 1), normal(m, new Shape(5, 3), "v", 1), true);
    }
  }

  @ParameterizedTest
  @EnumSource(Activation.class)
  void mlpTangents(Activation activation) {
    try (NDManager m = NDManager.newBaseManager()) {
      Mlp mlp =
          new Mlp(ParameterScope.root(m, 3).child("mlp"), 3, List.of(8, 8), 2, activation, false);
      // ReLU's kinks can fall between x ± h·v inside the network: reverse mode only there.
      assertJvp(
          mlp,
          normal(m, new Shape(5, 3), "x", 1),
          normal(m, new Shape(5, 3), "v", 1),
          activation != Activation.RELU);
    }
  }

  @Test
  void zeroInitialisedLastLayerGivesZeroOutputAndTangent() {
    try (NDManager m = NDManager.newBaseManager()) {
      Mlp mlp = new Mlp(ParameterScope.root(m, 3), 3, List.of(8), 2, Activation.TANH, true);
      Jvp jvp = mlp.jvp(normal(m, new Shape(5, 3), "x", 1), normal(m, new Shape(5, 3), "v", 1));
      assertTrue(FlowChecks.maxAbsDiff(jvp.value(), m.zeros(new Shape(5, 2))) == 0);
      assertTrue(FlowChecks.maxAbsDiff(jvp.tangent(), m.zeros(new Shape(5, 2))) == 0);
    }
  }
}
