package org.flowlab.api.bijector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.bijector.Autoregressive.Direction;
import org.flowlab.api.distribution.StandardLogistic;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.spi.FamilyBuildException;
import org.flowlab.api.testkit.AutoregressiveFamilyChecks;
import org.junit.jupiter.api.Test;

/** The options MAF and IAF share: defaults, checks naming the YAML key, and the flow they build. */
class AutoregressiveOptionsTest {
  private static AutoregressiveOptions defaults() {
    return new AutoregressiveOptions(null, null, null, null, null, null, null, null, null);
  }

  @Test
  void nullsTakeTheDefaults() {
    assertEquals(
        new AutoregressiveOptions(
            5, List.of(64, 64), "reversed", "relu", false, false, true, 3.0, "normal"),
        defaults());
  }

  @Test
  void badValuesGiveOneLineErrorsNamingTheirYamlKey() {
    List<Runnable> bad =
        List.of(
            () -> new AutoregressiveOptions(0, null, null, null, null, null, null, null, null),
            () ->
                new AutoregressiveOptions(
                    null, List.of(), null, null, null, null, null, null, null),
            () -> new AutoregressiveOptions(null, null, "x", null, null, null, null, null, null),
            () -> new AutoregressiveOptions(null, null, null, "gelu", null, null, null, null, null),
            () -> new AutoregressiveOptions(null, null, null, null, null, null, null, 21.0, null),
            () -> new AutoregressiveOptions(null, null, null, null, null, null, null, null, "t"),
            () ->
                new AutoregressiveOptions(
                    null, List.of(8, 4), null, null, true, null, null, null, null));
    List<String> keys =
        List.of("layers", "hidden", "order", "activation", "log_scale_bound", "prior", "hidden");
    AutoregressiveFamilyChecks.assertOneLineErrorsNamingTheirKeys(bad, keys);
  }

  @Test
  void theFlowStacksTheLayersInTheDirectionOverThePriorAndFlattensImages() {
    AutoregressiveOptions options =
        new AutoregressiveOptions(
            2, List.of(6), "random", null, null, true, null, null, "logistic");
    try (NDManager m = NDManager.newBaseManager()) {
      for (Direction direction : Direction.values()) {
        Flow flow =
            options.flow(
                "f",
                AffineTransform.gated(),
                direction,
                new BuildContext(new Shape(1, 2, 3), ParameterScope.root(m, 1)));
        assertEquals(new Shape(1, 2, 3), flow.latentShape());
        assertInstanceOf(StandardLogistic.class, flow.base());
        List<Autoregressive> layers =
            flow.bijectors().stream()
                .filter(Autoregressive.class::isInstance)
                .map(Autoregressive.class::cast)
                .toList();
        assertEquals(2, layers.size());
        for (Autoregressive layer : layers) {
          assertEquals(direction, layer.direction());
          assertEquals(6, layer.made().inversePasses(), "a flattened (6) vector");
        }
        assertTrue(
            flow.parameters().stream().anyMatch(p -> p.name().equals("actnorm.1.log_scale")));
      }
      FamilyBuildException e =
          assertThrows(
              FamilyBuildException.class,
              () ->
                  defaults()
                      .flow(
                          "f",
                          AffineTransform.softClamped(3),
                          Direction.MAF,
                          new BuildContext(new Shape(1, 2, 3), ParameterScope.root(m, 1), 2)));
      assertEquals("f reads a context with vector data only, not images (1, 2, 3)", e.problem());
      Flow conditional =
          defaults()
              .flow(
                  "f",
                  AffineTransform.softClamped(3),
                  Direction.IAF,
                  new BuildContext(new Shape(3), ParameterScope.root(m, 1), 2));
      assertEquals(2, conditional.contextDim());
      assertFalse(conditional.parameters().isEmpty());
    }
  }
}
