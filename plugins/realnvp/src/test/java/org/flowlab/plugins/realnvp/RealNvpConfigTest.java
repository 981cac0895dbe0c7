package org.flowlab.plugins.realnvp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Map;
import org.flowlab.api.bijector.ActNorm;
import org.flowlab.api.bijector.Coupling;
import org.flowlab.api.config.InvalidValueException;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.nn.Parameter;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.random.Seeds;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.testkit.PluginArchitecture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class RealNvpConfigTest {
  private static RealNvpConfig with(Integer couplings, List<Integer> hidden, String activation) {
    return RealNvpConfig.vector(couplings, hidden, activation, null, null, null, null, null);
  }

  @Test
  void defaults() {
    RealNvpConfig c = RealNvpConfig.defaults();
    assertEquals(8, c.couplings());
    assertEquals(List.of(64, 64), c.hidden());
    assertEquals("elu", c.activation());
    assertEquals("tanh", c.scale());
    assertEquals(2.0, c.scaleBound());
    assertEquals("actnorm", c.normalization());
    assertEquals("normal", c.base());
    assertEquals("alternating", c.mask());
    assertEquals(2, c.scales());
    assertEquals(4, c.resnetBlocks());
    assertEquals(64, c.resnetChannels());
  }

  @Test
  void outOfRangeValuesNameTheirKey() {
    InvalidValueException e = assertThrows(InvalidValueException.class, () -> with(0, null, null));
    assertEquals("couplings: must be >= 1, got 0", e.getMessage());
    assertEquals(
        "hidden",
        assertThrows(InvalidValueException.class, () -> with(null, List.of(8, 0), null)).key());
    e = assertThrows(InvalidValueException.class, () -> with(null, null, "sigmoid"));
    assertEquals("activation", e.key());
    assertTrue(e.getMessage().contains("[tanh, relu, elu, softplus, silu]"), e.getMessage());
    e =
        assertThrows(
            InvalidValueException.class,
            () -> RealNvpConfig.vector(null, null, null, null, -1.0, null, null, null));
    assertEquals("scale_bound", e.key());
    Map<String, Executable> badChoices =
        Map.of(
            "scale", () -> RealNvpConfig.vector(null, null, null, "exp", null, null, null, null),
            "normalization",
                () -> RealNvpConfig.vector(null, null, null, null, null, "layernorm", null, null),
            "base", () -> RealNvpConfig.vector(null, null, null, null, null, null, "cauchy", null),
            "mask", () -> RealNvpConfig.vector(null, null, null, null, null, null, null, "random"));
    badChoices.forEach(
        (key, build) -> assertEquals(key, assertThrows(InvalidValueException.class, build).key()));
  }

  @Test
  void badImageKeysNameTheirKey() {
    assertEquals(
        "scales: must be >= 1, got 0",
        assertThrows(
                InvalidValueException.class,
                () -> RealNvpConfig.image(0, 1, 8, null, null, null, null))
            .getMessage());
    assertEquals(
        "resnet_blocks",
        assertThrows(
                InvalidValueException.class,
                () -> RealNvpConfig.image(2, 0, 8, null, null, null, null))
            .key());
    assertEquals(
        "resnet_channels",
        assertThrows(
                InvalidValueException.class,
                () -> RealNvpConfig.image(2, 1, -4, null, null, null, null))
            .key());
  }

  @Test
  void batchNormIsRejectedWithTheReason() {
    for (String name : List.of("batchnorm", "batch_norm", "BatchNorm")) {
      InvalidValueException e =
          assertThrows(
              InvalidValueException.class,
              () -> RealNvpConfig.image(2, 1, 8, null, null, name, null));
      assertEquals("normalization", e.key());
      assertTrue(e.getMessage().contains("train and eval modes"), e.getMessage());
      assertTrue(e.getMessage().contains("use actnorm"), e.getMessage());
      assertTrue(!e.getMessage().contains("\n"), "one line");
    }
  }

  @Test
  void masksAlternateAndCoverOddDimensions() {
    assertArrayEquals(new float[] {1, 1, 0}, RealNvpFamily.mask("alternating", 3, false));
    assertArrayEquals(new float[] {0, 0, 1}, RealNvpFamily.mask("alternating", 3, true));
    assertArrayEquals(new float[] {1, 0, 1, 0, 1}, RealNvpFamily.mask("checkerboard", 5, false));
    assertArrayEquals(new float[] {0, 1, 0, 1, 0}, RealNvpFamily.mask("checkerboard", 5, true));
  }

  @Test
  void defaultFlowStartsAsTheIdentityWithActnormBeforeEachCoupling() {
    try (NDManager m = NDManager.newBaseManager()) {
      ParameterScope scope = ParameterScope.root(m, 1);
      Flow flow =
          new RealNvpFamily()
              .build(RealNvpConfig.defaults(), new BuildContext(new Shape(2), scope));
      assertEquals(16, flow.bijectors().size());
      assertTrue(flow.bijectors().get(0) instanceof ActNorm);
      assertTrue(flow.bijectors().get(1) instanceof Coupling);
      List<String> names = flow.parameters().stream().map(Parameter::name).toList();
      assertTrue(names.contains("step.0.actnorm.initialized"), names.toString());
      assertTrue(names.contains("step.7.coupling.net.2.weight"), names.toString());
      assertTrue(names.contains("step.7.coupling.scale_factor"), names.toString());

      NDArray x = m.create(Seeds.normal(Seeds.stream(1, "x"), 20), new Shape(10, 2));
      Transformed t = flow.encode(x, LogDetMode.EXACT);
      assertArrayEquals(x.toFloatArray(), t.value().toFloatArray(), "zero-init: the identity");
      assertArrayEquals(new float[10], t.logDet().toFloatArray());
    }
  }

  @Test
  void unsupportedShapesGiveAOneLineError() {
    try (NDManager m = NDManager.newBaseManager()) {
      RealNvpFamily family = new RealNvpFamily();
      IllegalArgumentException matrix =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  family.build(
                      RealNvpConfig.defaults(),
                      new BuildContext(new Shape(8, 8), ParameterScope.root(m, 1))));
      assertTrue(matrix.getMessage().contains("(8, 8)"), matrix.getMessage());
      assertThrows(
          IllegalArgumentException.class,
          () ->
              family.build(
                  RealNvpConfig.defaults(),
                  new BuildContext(new Shape(1), ParameterScope.root(m, 1))));
    }
  }

  @Test
  void theExtensionIsIndexedForPf4j() {
    PluginArchitecture.assertIndexed(RealNvpFamily.class);
    assertEquals("realnvp", new RealNvpFamily().name());
  }
}
