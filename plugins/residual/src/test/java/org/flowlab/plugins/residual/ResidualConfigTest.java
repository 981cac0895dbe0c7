package org.flowlab.plugins.residual;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Map;
import org.flowlab.api.bijector.ActNorm;
import org.flowlab.api.bijector.FactorOut;
import org.flowlab.api.bijector.Reshape;
import org.flowlab.api.bijector.Squeeze;
import org.flowlab.api.config.InvalidValueException;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.nn.Parameter;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.testkit.PluginArchitecture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class ResidualConfigTest {
  @Test
  void defaultsDependOnTheVariant() {
    ResidualConfig rf = ResidualConfig.defaults();
    assertEquals("residual_flows", rf.variant());
    assertEquals(8, rf.blocks());
    assertEquals(List.of(64, 64), rf.hidden());
    assertEquals("lipswish", rf.activation());
    assertEquals(0.98, rf.coeff());
    assertEquals("actnorm", rf.normalization());
    assertEquals(2, rf.exactTerms());
    assertEquals("geometric", rf.roulette());
    assertEquals(0.5, rf.rouletteP());
    assertEquals(20, rf.evalTerms());
    assertEquals(1e-5, rf.inverseTolerance());
    ResidualConfig ir = ResidualConfig.variant("iresnet");
    assertEquals("elu", ir.activation());
    assertEquals(0.9, ir.coeff());
    assertEquals("none", ir.normalization());
    assertEquals(5, ir.seriesTerms());
  }

  @Test
  void badValuesNameTheirKey() {
    Map<String, Executable> cases =
        Map.of(
            "variant", () -> ResidualConfig.variant("glow"),
            "coeff", () -> ResidualTesting.config("iresnet", 1, List.of(8), null, 1.0, null, null),
            "activation",
                () -> ResidualTesting.config("iresnet", 1, List.of(8), "silu", null, null, null),
            "blocks",
                () -> ResidualTesting.config("iresnet", 0, List.of(8), null, null, null, null),
            "hidden",
                () -> ResidualTesting.config("iresnet", 1, List.of(0), null, null, null, null),
            "roulette",
                () -> ResidualTesting.config("iresnet", 1, List.of(8), null, null, "uniform", null),
            "inverse_max_iterations",
                () -> ResidualTesting.config("iresnet", 1, List.of(8), null, null, null, 0));
    cases.forEach(
        (key, build) -> assertEquals(key, assertThrows(InvalidValueException.class, build).key()));
    InvalidValueException e =
        assertThrows(
            InvalidValueException.class,
            () -> ResidualTesting.config("iresnet", 1, List.of(8), null, 1.5, null, null));
    assertEquals("coeff: must be between 0.01 and 0.999, got 1.5", e.getMessage());
  }

  @Test
  void flowHasActnormBeforeEachBlockAndNamedBuffers() {
    try (NDManager m = NDManager.newBaseManager()) {
      Flow flow =
          new ResidualFamily()
              .build(
                  ResidualConfig.defaults(),
                  new BuildContext(new Shape(2), ParameterScope.root(m, 1)));
      assertEquals(16, flow.bijectors().size());
      assertTrue(flow.bijectors().get(0) instanceof ActNorm);
      assertTrue(flow.bijectors().get(1) instanceof ResidualBlock);
      List<String> names = flow.parameters().stream().map(Parameter::name).toList();
      for (String n :
          List.of(
              "step.0.block.net.0.weight",
              "step.0.block.net.0.sn.u",
              "step.7.block.net.2.sn.v",
              "step.7.block.net.act.1.beta")) {
        assertTrue(names.contains(n), n + " in " + names);
      }
      Flow iresnet =
          new ResidualFamily()
              .build(
                  ResidualConfig.variant("iresnet"),
                  new BuildContext(new Shape(3), ParameterScope.root(m, 1)));
      assertEquals(8, iresnet.bijectors().size());
    }
  }

  @Test
  void imagesBuildTheMultiScaleModelAndRejectScalesThatDoNotFit() {
    try (NDManager m = NDManager.newBaseManager()) {
      ResidualConfig two =
          new ResidualConfig(
              null,
              2,
              List.of(8),
              null,
              null,
              null,
              null,
              null,
              null,
              null,
              null,
              null,
              null,
              null,
              null,
              null,
              2);
      Flow flow =
          new ResidualFamily()
              .build(two, new BuildContext(new Shape(1, 4, 4), ParameterScope.root(m, 1)));
      // scale 0: 2 × (actnorm, block), squeeze, factor-out (holding scale 1); reshape to the image
      List<Class<?>> kinds = flow.bijectors().stream().<Class<?>>map(Object::getClass).toList();
      assertEquals(
          List.of(
              ActNorm.class,
              ResidualBlock.class,
              ActNorm.class,
              ResidualBlock.class,
              Squeeze.class,
              FactorOut.class,
              Reshape.class),
          kinds);
      assertEquals(new Shape(1, 4, 4), flow.latentShape());
      List<String> names = flow.parameters().stream().map(Parameter::name).toList();
      for (String n :
          List.of(
              "scale.0.step.0.block.net.0.weight",
              "scale.0.step.1.block.net.1.sn.v",
              "scale.1.step.1.actnorm.bias",
              "scale.1.step.1.block.net.act.0.beta")) {
        assertTrue(names.contains(n), n + " in " + names);
      }
      ResidualConfig four =
          new ResidualConfig(
              null,
              1,
              List.of(8),
              null,
              null,
              null,
              null,
              null,
              null,
              null,
              null,
              null,
              null,
              null,
              null,
              null,
              4);
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  new ResidualFamily()
                      .build(
                          four, new BuildContext(new Shape(1, 4, 4), ParameterScope.root(m, 1))));
      assertTrue(e.getMessage().startsWith("scales: 4 scales"), e.getMessage());
      assertEquals(
          "scales",
          assertThrows(
                  InvalidValueException.class,
                  () ->
                      new ResidualConfig(
                          null, 1, null, null, null, null, null, null, null, null, null, null, null,
                          null, null, null, 0))
              .key());
    }
  }

  @Test
  void theExtensionIsIndexedForPf4j() {
    PluginArchitecture.assertIndexed(ResidualFamily.class);
    assertEquals("residual", new ResidualFamily().name());
  }
}
