package org.flowlab.api.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.List;
import org.flowlab.api.random.Seeds;
import org.flowlab.api.testkit.FlowChecks;
import org.junit.jupiter.api.Test;

/**
 * MADE's autoregressive property, checked on the Jacobian from reverse-mode autodiff: the outputs
 * of input {@code j} depend on exactly the inputs ordered before {@code j}.
 */
class MadeTest {
  private static final int D = 5;
  private static final int PARAMS = 2;

  @Test
  void jacobianIsStrictlyTriangularInTheNaturalOrder() {
    assertStrictlyTriangular(Made.naturalOrder(D));
  }

  @Test
  void jacobianIsStrictlyTriangularInASeededRandomOrder() {
    int[] order = Made.randomOrder(D, 11);
    assertFalse(
        Arrays.equals(order, Made.naturalOrder(D)), "seed 11 must shuffle, or this repeats");
    assertStrictlyTriangular(order);
  }

  @Test
  void aResidualMadeIsStrictlyTriangularWithEveryBlockAtWork() {
    int[] order = Made.randomOrder(D, 11);
    try (NDManager m = NDManager.newBaseManager()) {
      ParameterScope scope = ParameterScope.root(m, 5);
      Made made = new Made(scope, order, List.of(12, 12, 12), PARAMS, Activation.TANH, false, true);
      assertEquals(D, made.inversePasses(), "a full residual MADE chains every input");
      NDArray x = normal(m, new Shape(2, D), "x");
      NDArray plain = made.forward(x);
      // the blocks' second layers start at zero (each block the identity): perturb every weight so
      // that a mask wrong inside a block shows up in the Jacobian
      for (Parameter p : scope.parameters()) {
        if (p.trainable()) {
          p.assign(p.value().add(Scalars.mul(normal(m, p.value().getShape(), p.name()), 0.3)));
        }
      }
      assertTrue(FlowChecks.maxAbsDiff(plain, made.forward(x)) > 1e-3, "the blocks must act");
      assertStrictlyTriangular(FlowChecks.jacobians(made::forward, x), order, PARAMS);
    }
  }

  @Test
  void aResidualMadeHasABlockPerFurtherWidthAndNeedsEqualWidths() {
    try (NDManager m = NDManager.newBaseManager()) {
      int[] order = Made.naturalOrder(D);
      List<Integer> widths = List.of(8, 8, 8);
      Made residual =
          new Made(ParameterScope.root(m, 5), order, widths, 1, Activation.TANH, false, true);
      assertEquals(
          2,
          residual.layers.stream().filter(MaskedResidualBlock.class::isInstance).count(),
          "one block per width after the first");
      assertThrows(
          IllegalArgumentException.class,
          () ->
              new Made(
                  ParameterScope.root(m, 5),
                  order,
                  List.of(8, 6),
                  1,
                  Activation.TANH,
                  false,
                  true));
      assertThrows(
          IllegalArgumentException.class,
          () ->
              new Made(
                  ParameterScope.root(m, 5), order, List.of(8), 1, Activation.TANH, false, true));
    }
  }

  @Test
  void theSameSeedGivesTheSameOrderAndEveryOrderIsAPermutation() {
    assertArrayEquals(Made.randomOrder(7, 3), Made.randomOrder(7, 3));
    int[] sorted = Made.randomOrder(7, 3).clone();
    Arrays.sort(sorted);
    assertArrayEquals(Made.naturalOrder(7), sorted);
  }

  @Test
  void ordersBetweenLayersAreNaturalAlternatingOrSeededRandom() {
    int[][] natural = Made.orders("natural", 3, 2, 1);
    assertArrayEquals(new int[] {1, 2, 3}, natural[1]);
    int[][] reversed = Made.orders("reversed", 3, 3, 1);
    assertArrayEquals(new int[] {1, 2, 3}, reversed[0]);
    assertArrayEquals(new int[] {3, 2, 1}, reversed[1]);
    assertArrayEquals(new int[] {1, 2, 3}, reversed[2]);
    int[][] random = Made.orders("random", 7, 2, 3);
    assertArrayEquals(Made.randomOrder(7, 3), random[0], "layer 0 is the seed's first order");
    assertArrayEquals(Made.randomOrder(7, 3, 1), random[1]);
    assertFalse(Arrays.equals(random[0], random[1]), "each layer draws its own order");
    assertThrows(IllegalArgumentException.class, () -> Made.orders("shuffled", 3, 1, 1));
  }

  @Test
  void jvpIsTheJacobianTimesTheTangent() {
    try (NDManager m = NDManager.newBaseManager()) {
      Made made = made(m, Made.randomOrder(D, 4));
      NDArray x = normal(m, new Shape(3, D), "x");
      NDArray v = normal(m, new Shape(3, D), "v");
      Jvp jvp = made.jvp(x, v);
      assertEquals(0.0, FlowChecks.maxAbsDiff(jvp.value(), made.forward(x)));
      double[][][] jac = FlowChecks.jacobians(made::forward, x);
      float[] tangent = jvp.tangent().toFloatArray();
      float[] vs = v.toFloatArray();
      for (int s = 0; s < 3; s++) {
        for (int o = 0; o < PARAMS * D; o++) {
          double expected = 0;
          for (int i = 0; i < D; i++) {
            expected += jac[s][o][i] * vs[s * D + i];
          }
          assertEquals(expected, tangent[s * PARAMS * D + o], 1e-5, "J·v at " + s + ", " + o);
        }
      }
    }
  }

  @Test
  void rejectsAnOrderThatIsNotAPermutation() {
    try (NDManager m = NDManager.newBaseManager()) {
      ParameterScope scope = ParameterScope.root(m, 1);
      List<Integer> hidden = List.of(8);
      assertThrows(
          IllegalArgumentException.class,
          () -> new Made(scope, new int[] {1, 1, 3}, hidden, 1, Activation.TANH, false));
      assertThrows(
          IllegalArgumentException.class,
          () -> new Made(scope, new int[] {1}, hidden, 1, Activation.TANH, false));
    }
  }

  private static void assertStrictlyTriangular(int[] order) {
    try (NDManager m = NDManager.newBaseManager()) {
      Made made = made(m, order);
      NDArray x = normal(m, new Shape(2, D), "x");
      assertStrictlyTriangular(FlowChecks.jacobians(made::forward, x), order, PARAMS);
    }
  }

  /**
   * Asserts that per-sample Jacobians {@code [n][params·d][d]} of a MADE's outputs in its inputs
   * are strictly triangular in {@code order}, every allowed entry nonzero.
   */
  static void assertStrictlyTriangular(double[][][] jac, int[] order, int params) {
    int d = order.length;
    assertEquals(params * d, jac[0].length, "outputs");
    for (double[][] sample : jac) {
      for (int o = 0; o < params * d; o++) {
        int j = o % d;
        for (int i = 0; i < d; i++) {
          String at = "∂out[" + o + "]/∂x[" + i + "] with order " + Arrays.toString(order);
          if (order[i] < order[j]) {
            assertTrue(Math.abs(sample[o][i]) > 1e-7, at + " must be nonzero: " + sample[o][i]);
          } else {
            assertEquals(0.0, Math.abs(sample[o][i]), at + " must be zero");
          }
        }
      }
    }
  }

  /** Two hidden layers, wide enough that every degree is present. */
  private static Made made(NDManager m, int[] order) {
    return new Made(
        ParameterScope.root(m, 5), order, List.of(12, 12), PARAMS, Activation.TANH, false);
  }

  private static NDArray normal(NDManager m, Shape shape, String purpose) {
    return m.create(Seeds.normal(Seeds.stream(9, purpose), Math.toIntExact(shape.size())), shape);
  }
}
