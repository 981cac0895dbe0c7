package org.flowlab.api.nn;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.random.Seeds;
import org.flowlab.api.testkit.FlowChecks;
import org.junit.jupiter.api.Test;

/**
 * The MADE with a context stays autoregressive in x (its Jacobian in x is strictly triangular in
 * the order, every allowed entry nonzero) while every output depends on the context.
 */
class ConditionalMadeTest {
  private static final int D = 4;
  private static final int K = 3;
  private static final int PARAMS = 2;

  @Test
  void staysAutoregressiveInXWithAContext() {
    int[] order = Made.randomOrder(D, 11);
    try (NDManager m = NDManager.newBaseManager()) {
      ConditionalMade made = made(m, order);
      NDArray x = normal(m, new Shape(2, D), "x");
      NDArray c = normal(m, new Shape(2, K), "c");
      double[][][] jac = FlowChecks.jacobians(in -> made.forward(in, c), x);
      MadeTest.assertStrictlyTriangular(jac, order, PARAMS);
    }
  }

  @Test
  void aResidualConditionalMadeStaysAutoregressiveInX() {
    int[] order = Made.randomOrder(D, 11);
    try (NDManager m = NDManager.newBaseManager()) {
      ConditionalMade made = made(m, order, true);
      NDArray x = normal(m, new Shape(2, D), "x");
      NDArray c = normal(m, new Shape(2, K), "c");
      MadeTest.assertStrictlyTriangular(
          FlowChecks.jacobians(in -> made.forward(in, c), x), order, PARAMS);
    }
  }

  @Test
  void aMissingContextIsAClearErrorNamingItsSize() {
    try (NDManager m = NDManager.newBaseManager()) {
      ConditionalMade made = made(m, Made.naturalOrder(D));
      NDArray x = normal(m, new Shape(2, D), "x");
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> made.forward(x, null));
      assertTrue(e.getMessage().contains("needs a context of size " + K), e.getMessage());
    }
  }

  @Test
  void everyOutputDependsOnTheContext() {
    try (NDManager m = NDManager.newBaseManager()) {
      ConditionalMade made = made(m, Made.naturalOrder(D));
      NDArray x = normal(m, new Shape(2, D), "x");
      double[][][] jac =
          FlowChecks.jacobians(c -> made.forward(x, c), normal(m, new Shape(2, K), "c"));
      for (double[][] sample : jac) {
        for (int o = 0; o < PARAMS * D; o++) {
          double norm = 0;
          for (double v : sample[o]) {
            norm += Math.abs(v);
          }
          assertTrue(norm > 1e-6, "output " + o + " ignores the context");
        }
      }
    }
  }

  private static ConditionalMade made(NDManager m, int[] order) {
    return made(m, order, false);
  }

  private static ConditionalMade made(NDManager m, int[] order, boolean residual) {
    return new ConditionalMade(
        ParameterScope.root(m, 5),
        order,
        List.of(12, 12),
        PARAMS,
        Activation.TANH,
        false,
        residual,
        K);
  }

  private static NDArray normal(NDManager m, Shape shape, String purpose) {
    return m.create(Seeds.normal(Seeds.stream(9, purpose), Math.toIntExact(shape.size())), shape);
  }
}
