package org.flowlab.api.bijector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.List;
import org.flowlab.api.bijector.Autoregressive.Direction;
import org.flowlab.api.distribution.BaseDistribution;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.linalg.Lu;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.EagerOps;
import org.flowlab.api.nn.Made;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.ops.Mapped;
import org.flowlab.api.random.Seeds;
import org.flowlab.api.testkit.FlowChecks;
import org.junit.jupiter.api.Test;

/**
 * The autoregressive bijector end to end, on perturbed (non-identity) weights: the Jacobian of the
 * whole step is triangular in the chosen order (brute force, reverse mode) in both directions, its
 * log-det is the brute-force one, the d-pass inverse is exact, the gated update computes Kingma's
 * formula, and a narrow MADE needs fewer passes.
 */
class AutoregressiveTest {
  private static final int D = 5;

  @Test
  void mafAndIafStepsAreTriangularInTheirOrderWithTheBruteForceLogDet() {
    int[] order = Made.randomOrder(D, 11);
    for (Direction direction : Direction.values()) {
      for (AffineTransform transform :
          List.of(AffineTransform.softClamped(3), AffineTransform.gated())) {
        try (NDManager m = NDManager.newBaseManager()) {
          Autoregressive step = perturbed(m, order, List.of(12, 12), transform, direction);
          NDArray x = normal(m, new Shape(3, D), "x");
          String label = direction + (transform.isGated() ? " gated" : " affine");
          double[][][] forward = FlowChecks.jacobians(v -> step.forward(v, null).value(), x);
          assertTriangular(forward, order, label + " forward");
          float[] logDet = step.forward(x, LogDetMode.EXACT).logDet().toFloatArray();
          for (int s = 0; s < 3; s++) {
            assertEquals(Lu.logAbsDet(forward[s]), logDet[s], 1e-4, label + " log-det " + s);
          }
          NDArray z = step.forward(x, LogDetMode.EXACT).value();
          assertTrue(FlowChecks.maxAbsDiff(z, x) > 1e-2, label + ": not the identity");
          assertTrue(FlowChecks.maxAbsDiff(step.inverse(z), x) < 1e-5, label + " inverse");
          assertTriangular(FlowChecks.jacobians(step::inverse, z), order, label + " inverse");
        }
      }
    }
  }

  @Test
  void theGatedUpdateIsKingmasFormula() {
    try (NDManager m = NDManager.newBaseManager()) {
      AffineTransform gated = AffineTransform.gated();
      NDArray x = normal(m, new Shape(4, 3), "x");
      NDArray params = normal(m, new Shape(4, 2, 3), "params").mul(m.create(2f));
      Mapped<NDArray> r = gated.forward(EagerOps.FLOAT32, x, params);
      float[] xs = x.toFloatArray();
      float[] ps = params.toFloatArray();
      float[] y = r.value().toFloatArray();
      float[] ld = r.logDet().toFloatArray();
      for (int s = 0; s < 4; s++) {
        for (int j = 0; j < 3; j++) {
          double shift = ps[s * 6 + j];
          double sigma = 1 / (1 + Math.exp(-(ps[s * 6 + 3 + j] + 2)));
          int i = s * 3 + j;
          assertEquals(sigma * xs[i] + (1 - sigma) * shift, y[i], 1e-5, "z' at " + i);
          assertEquals(Math.log(sigma), ld[i], 1e-5, "log σ at " + i);
        }
      }
      Mapped<NDArray> back = gated.inverse(EagerOps.FLOAT32, r.value(), params);
      assertTrue(FlowChecks.maxAbsDiff(back.value(), x) < 1e-5);
      assertTrue(FlowChecks.maxAbsDiff(back.logDet().neg(), r.logDet()) < 1e-6);
    }
  }

  @Test
  void theSoftClampBoundsTheLogScale() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray params = m.create(new float[] {0, 0, -100, 100}, new Shape(1, 2, 2));
      float[] ld =
          AffineTransform.softClamped(3)
              .forward(EagerOps.FLOAT32, m.ones(new Shape(1, 2)), params)
              .logDet()
              .toFloatArray();
      assertEquals(-3, ld[0], 1e-5);
      assertEquals(3, ld[1], 1e-5);
    }
  }

  @Test
  void aFullMadeNeedsDPassesAndANarrowOneFewer() {
    try (NDManager m = NDManager.newBaseManager()) {
      int d = 8;
      int[] order = Made.randomOrder(d, 3);
      ParameterScope scope = ParameterScope.root(m, 1);
      assertEquals(
          d,
          new Made(scope.child("a"), order, List.of(7), 2, Activation.TANH, false).inversePasses());
      // hidden degrees 1..3 only: orders 1..3 form a chain, 4..8 all settle in the 4th pass
      Autoregressive narrow =
          perturbed(m, order, List.of(3, 3), AffineTransform.softClamped(3), Direction.MAF);
      assertEquals(4, narrow.made().inversePasses());
      NDArray x = normal(m, new Shape(6, d), "x");
      NDArray z = narrow.forward(x, LogDetMode.EXACT).value();
      assertTrue(FlowChecks.maxAbsDiff(narrow.inverse(z), x) < 1e-5, "4 passes invert it");
    }
  }

  @Test
  void theUnrolledPassesAddEachWeightOnce() {
    try (NDManager m = NDManager.newBaseManager()) {
      Autoregressive step =
          perturbed(m, Made.naturalOrder(D), List.of(8), AffineTransform.gated(), Direction.MAF);
      OnnxGraph graph = new OnnxGraph("sample");
      step.emitInverse(graph, graph.input("z", new Shape(D)));
      List<String> weights =
          graph.model().getGraph().getInitializerList().stream()
              .map(t -> t.getName())
              .filter(n -> n.contains("weight") || n.contains("mask"))
              .toList();
      assertEquals(4, weights.size(), "two layers × (weight, mask), once for 5 passes: " + weights);
    }
  }

  /** Asserts ∂out_j/∂in_i = 0 where i comes after j in the order, and ≠ 0 on the diagonal. */
  private static void assertTriangular(double[][][] jac, int[] order, String label) {
    for (double[][] sample : jac) {
      for (int j = 0; j < order.length; j++) {
        for (int i = 0; i < order.length; i++) {
          String at = label + " ∂[" + j + "]/∂[" + i + "] order " + Arrays.toString(order);
          if (order[i] > order[j]) {
            assertEquals(0.0, sample[j][i], at);
          } else if (i == j) {
            assertTrue(Math.abs(sample[j][i]) > 1e-6, at + " diagonal " + sample[j][i]);
          }
        }
      }
    }
  }

  private static Autoregressive perturbed(
      NDManager m,
      int[] order,
      List<Integer> hidden,
      ElementwiseTransform transform,
      Direction direction) {
    ParameterScope scope = ParameterScope.root(m, 7);
    Autoregressive step =
        new Autoregressive(scope, order, hidden, Activation.TANH, transform, direction, true);
    Shape shape = new Shape(order.length);
    Flow flow =
        new Flow(shape, BaseDistribution.named("normal"), List.of(step), scope.parameters());
    FlowChecks.perturb(flow, 5, 0.4);
    return step;
  }

  private static NDArray normal(NDManager m, Shape shape, String purpose) {
    return m.create(Seeds.normal(Seeds.stream(9, purpose), Math.toIntExact(shape.size())), shape);
  }
}
