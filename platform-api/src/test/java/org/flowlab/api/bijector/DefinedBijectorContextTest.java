package org.flowlab.api.bijector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.bijector.Autoregressive.Direction;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.Made;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.onnx.OnnxExportException;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.random.Seeds;
import org.flowlab.api.testkit.FlowChecks;
import org.junit.jupiter.api.Test;

/**
 * The context paths {@link DefinedBijector} derives: an unconditional definition refuses a context
 * eagerly and when emitted, a conditional one refuses a missing or misshapen context, and the one
 * three-argument definition of a conditional bijector reads its context (two contexts, two maps,
 * each inverted given its own).
 */
class DefinedBijectorContextTest {
  private static final int D = 3;
  private static final int K = 2;

  @Test
  void anUnconditionalDefinitionRefusesAContextEagerlyAndInTheGraph() {
    try (NDManager m = NDManager.newBaseManager()) {
      ActNorm actnorm = new ActNorm(ParameterScope.root(m, 1).child("actnorm"), new Shape(D));
      NDArray x = normal(m, new Shape(4, D), "x");
      NDArray c = normal(m, new Shape(4, K), "c");
      var eager =
          assertThrows(
              IllegalArgumentException.class, () -> actnorm.forward(x, c, LogDetMode.EXACT));
      assertEquals(
          "ActNorm takes no context (it has no conditioner that reads one)", eager.getMessage());
      assertThrows(IllegalArgumentException.class, () -> actnorm.inverse(x, c));
      OnnxGraph graph = new OnnxGraph("plain");
      var emitted =
          assertThrows(
              OnnxExportException.class,
              () ->
                  actnorm.emitForward(
                      graph, graph.input("x", new Shape(D)), graph.input("c", new Shape(K))));
      assertTrue(emitted.getMessage().contains("ActNorm takes no context"), emitted.getMessage());
    }
  }

  @Test
  void aConditionalDefinitionReadsItsContextAndRefusesAMissingOne() {
    try (NDManager m = NDManager.newBaseManager()) {
      ParameterScope scope = ParameterScope.root(m, 3);
      Autoregressive step =
          new Autoregressive(
              scope,
              Made.naturalOrder(D),
              List.of(8),
              Activation.TANH,
              AffineTransform.softClamped(3),
              Direction.MAF,
              false,
              K);
      assertEquals(K, step.contextDim());
      NDArray x = normal(m, new Shape(4, D), "x");
      NDArray c1 = normal(m, new Shape(4, K), "c1");
      NDArray c2 = normal(m, new Shape(4, K), "c2");
      NDArray z1 = step.forward(x, c1, LogDetMode.EXACT).value();
      NDArray z2 = step.forward(x, c2, LogDetMode.EXACT).value();
      assertTrue(FlowChecks.maxAbsDiff(z1, z2) > 1e-3, "the context changes the map");
      assertTrue(FlowChecks.maxAbsDiff(step.inverse(z1, c1), x) < 1e-5, "inverse given c1");
      assertTrue(FlowChecks.maxAbsDiff(step.inverse(z2, c2), x) < 1e-5, "inverse given c2");
      var missing =
          assertThrows(IllegalArgumentException.class, () -> step.forward(x, LogDetMode.EXACT));
      assertTrue(missing.getMessage().contains("none was given"), missing.getMessage());
      assertThrows(
          IllegalArgumentException.class,
          () -> step.forward(x, normal(m, new Shape(4, K + 1), "c3"), LogDetMode.EXACT));
      OnnxGraph graph = new OnnxGraph("conditional");
      assertThrows(
          OnnxExportException.class, () -> step.emitInverse(graph, graph.input("z", new Shape(D))));
    }
  }

  private static NDArray normal(NDManager m, Shape shape, String purpose) {
    return m.create(Seeds.normal(Seeds.stream(5, purpose), Math.toIntExact(shape.size())), shape);
  }
}
