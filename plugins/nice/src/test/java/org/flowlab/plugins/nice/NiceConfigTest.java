package org.flowlab.plugins.nice;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Map;
import org.flowlab.api.bijector.Coupling;
import org.flowlab.api.config.InvalidValueException;
import org.flowlab.api.distribution.StandardLogistic;
import org.flowlab.api.distribution.StandardNormal;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.nn.Parameter;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.random.Seeds;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.testkit.FlowChecks;
import org.flowlab.api.testkit.PluginArchitecture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Config defaults and one-line errors, partitions, and the structure of the built flow. */
class NiceConfigTest {
  @Test
  void defaults() {
    NiceConfig c = NiceConfig.defaults();
    assertEquals(4, c.couplings());
    assertEquals(List.of(256, 256), c.hidden());
    assertEquals("relu", c.activation());
    assertEquals("alternating", c.partition());
    assertEquals("logistic", c.prior());
    assertFalse(c.identityInit());
  }

  @Test
  void badValuesGiveOneLineErrorsNamingTheirKey() {
    InvalidValueException e =
        assertThrows(
            InvalidValueException.class, () -> new NiceConfig(3, null, null, null, null, null));
    assertEquals("couplings", e.key());
    assertEquals("couplings: must be >= 4, got 3", e.getMessage());
    e =
        assertThrows(
            InvalidValueException.class,
            () -> new NiceConfig(null, List.of(8, 0), null, null, null, null));
    assertEquals("hidden", e.key());
    assertEquals("hidden: must be >= 1, got 0", e.getMessage());
    Map<String, Executable> badChoices =
        Map.of(
            "activation", () -> new NiceConfig(null, null, "sigmoid", null, null, null),
            "partition", () -> new NiceConfig(null, null, null, "random", null, null),
            "prior", () -> new NiceConfig(null, null, null, null, "cauchy", null));
    badChoices.forEach(
        (key, build) -> {
          InvalidValueException bad = assertThrows(InvalidValueException.class, build);
          assertEquals(key, bad.key());
          assertTrue(bad.getMessage().startsWith(key + ": must be one of ["), bad.getMessage());
          assertFalse(bad.getMessage().contains("\n"), bad.getMessage());
        });
  }

  @Test
  void partitionsSwapAndCoverOddDimensions() {
    assertArrayEquals(new float[] {1, 1, 0}, NiceFamily.partition("alternating", 3, false));
    assertArrayEquals(new float[] {0, 0, 1}, NiceFamily.partition("alternating", 3, true));
    assertArrayEquals(new float[] {1, 0, 1, 0, 1}, NiceFamily.partition("checkerboard", 5, false));
    assertArrayEquals(new float[] {0, 1, 0, 1, 0}, NiceFamily.partition("checkerboard", 5, true));
  }

  @Test
  void defaultFlowEndsWithTheScalingAndIdentityInitStartsAsTheIdentity() {
    try (NDManager m = NDManager.newBaseManager()) {
      NiceFamily family = new NiceFamily();
      Flow flow =
          family.build(
              NiceConfig.defaults(), new BuildContext(new Shape(2), ParameterScope.root(m, 1)));
      assertEquals(5, flow.bijectors().size());
      assertTrue(flow.bijectors().get(0) instanceof Coupling);
      assertTrue(flow.bijectors().get(4) instanceof DiagonalScaling);
      assertTrue(flow.base() instanceof StandardLogistic, "the paper's prior by default");
      List<String> names = flow.parameters().stream().map(Parameter::name).toList();
      assertTrue(names.contains("coupling.3.net.2.weight"), names.toString());
      assertTrue(names.contains("scaling.log_scale"), names.toString());

      NDArray x = m.create(Seeds.normal(Seeds.stream(1, "x"), 20), new Shape(10, 2));
      Transformed t = flow.encode(x, LogDetMode.EXACT);
      assertTrue(FlowChecks.maxAbsDiff(t.value(), x) > 1e-3, "paper init: not the identity");
      assertArrayEquals(new float[10], t.logDet().toFloatArray(), "volume kept: log_scale = 0");

      Flow identity =
          family.build(
              new NiceConfig(null, null, null, null, null, true),
              new BuildContext(new Shape(2), ParameterScope.root(m, 1)));
      t = identity.encode(x, LogDetMode.EXACT);
      assertArrayEquals(x.toFloatArray(), t.value().toFloatArray(), "zero last layers: identity");
      assertArrayEquals(new float[10], t.logDet().toFloatArray());
    }
  }

  @Test
  void onlyTheScalingChangesVolume() {
    try (NDManager m = NDManager.newBaseManager()) {
      Flow flow =
          new NiceFamily()
              .build(
                  new NiceConfig(4, List.of(8), "tanh", "checkerboard", "normal", null),
                  new BuildContext(new Shape(1, 2, 3), ParameterScope.root(m, 3)));
      assertTrue(flow.base() instanceof StandardNormal);
      FlowChecks.perturb(flow, 2, 0.3);
      NDArray x = m.create(Seeds.normal(Seeds.stream(1, "x"), 24), new Shape(4, 1, 2, 3));
      float[] logScale =
          flow.parameters().stream()
              .filter(p -> p.name().equals("scaling.log_scale"))
              .findFirst()
              .orElseThrow()
              .value()
              .toFloatArray();
      assertEquals(6, logScale.length, "the scaling acts on the flattened image");
      double sum = 0;
      for (float s : logScale) {
        sum += s;
      }
      Transformed t = flow.encode(x, LogDetMode.EXACT);
      for (float ld : t.logDet().toFloatArray()) {
        assertEquals(sum, ld, 1e-5, "log-det = Σ s, the same for every sample");
      }
      assertTrue(
          FlowChecks.maxAbsDiff(t.value().reshape(x.getShape()), x) > 1e-2,
          "the perturbed flow moves x");
      NDArray back = flow.decode(t.value());
      assertEquals(x.getShape(), back.getShape());
      assertTrue(FlowChecks.maxAbsDiff(back, x) < 1e-5, "decode(encode(x)) = x");
    }
  }

  @Test
  void unsupportedShapesGiveAOneLineError() {
    try (NDManager m = NDManager.newBaseManager()) {
      NiceFamily family = new NiceFamily();
      for (Shape bad : List.of(new Shape(1), new Shape(4, 4), new Shape(1, 1, 1))) {
        IllegalArgumentException e =
            assertThrows(
                IllegalArgumentException.class,
                () ->
                    family.build(
                        NiceConfig.defaults(), new BuildContext(bad, ParameterScope.root(m, 1))));
        assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
      }
    }
  }

  @Test
  void theExtensionIsIndexedForPf4j() {
    PluginArchitecture.assertIndexed(NiceFamily.class);
    assertEquals("nice", new NiceFamily().name());
  }
}
