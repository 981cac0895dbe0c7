package org.flowlab.plugins.maf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.bijector.ActNorm;
import org.flowlab.api.bijector.Autoregressive;
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

/** Config defaults and one-line errors, and the structure of the built flow. */
class MafConfigTest {
  @Test
  void defaults() {
    MafConfig c = MafConfig.defaults();
    assertEquals(5, c.layers());
    assertEquals(List.of(64, 64), c.hidden());
    assertEquals("reversed", c.order());
    assertEquals("relu", c.activation());
    assertFalse(c.residual());
    assertFalse(c.actnorm());
    assertTrue(c.identityInit());
    assertEquals(3.0, c.logScaleBound());
    assertEquals("normal", c.prior());
  }

  @Test
  void badValuesGiveOneLineErrorsNamingTheirKey() {
    List<Runnable> bad =
        List.of(
            () -> new MafConfig(0, null, null, null, null, null, null, null, null),
            () -> new MafConfig(null, List.of(), null, null, null, null, null, null, null),
            () -> new MafConfig(null, null, "shuffled", null, null, null, null, null, null),
            () -> new MafConfig(null, null, null, null, null, null, null, 0.0, null),
            () -> new MafConfig(null, null, null, null, null, null, null, null, "cauchy"),
            () -> new MafConfig(null, List.of(8, 4), null, null, true, null, null, null, null));
    List<String> keys = List.of("layers", "hidden", "order", "log_scale_bound", "prior", "hidden");
    for (int i = 0; i < bad.size(); i++) {
      InvalidValueException e = assertThrows(InvalidValueException.class, bad.get(i)::run);
      assertEquals(keys.get(i), e.key());
      assertTrue(e.getMessage().startsWith(keys.get(i) + ": "), e.getMessage());
      assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
  }

  @Test
  void actnormPrecedesEachLayerAndIdentityInitIsTheIdentity() {
    try (NDManager m = NDManager.newBaseManager()) {
      Flow flow =
          new MafFamily()
              .build(
                  new MafConfig(3, List.of(8), "random", "tanh", null, true, true, null, null),
                  new BuildContext(new Shape(4), ParameterScope.root(m, 1)));
      assertEquals(6, flow.bijectors().size());
      for (int k = 0; k < 3; k++) {
        assertTrue(flow.bijectors().get(2 * k) instanceof ActNorm);
        Autoregressive layer = (Autoregressive) flow.bijectors().get(2 * k + 1);
        assertEquals(Autoregressive.Direction.MAF, layer.direction());
        assertEquals(4, layer.made().inversePasses());
      }
      List<String> names = flow.parameters().stream().map(Parameter::name).toList();
      assertTrue(names.contains("layer.2.made.1.weight"), names.toString());
      assertTrue(names.contains("actnorm.0.log_scale"), names.toString());
      NDArray x = m.create(Seeds.normal(Seeds.stream(1, "x"), 40), new Shape(10, 4));
      Transformed t = flow.encode(x, LogDetMode.EXACT);
      assertArrayEquals(x.toFloatArray(), t.value().toFloatArray(), "zero MADE outputs: identity");
      assertArrayEquals(new float[10], t.logDet().toFloatArray());
    }
  }

  @Test
  void imagesAreFlattenedAndOtherShapesRejected() {
    try (NDManager m = NDManager.newBaseManager()) {
      MafFamily family = new MafFamily();
      Flow flow =
          family.build(
              MafConfig.defaults(),
              new BuildContext(new Shape(1, 2, 3), ParameterScope.root(m, 1)));
      assertEquals(new Shape(1, 2, 3), flow.latentShape());
      for (Shape bad : List.of(new Shape(1), new Shape(4, 4), new Shape(1, 1, 1))) {
        IllegalArgumentException e =
            assertThrows(
                IllegalArgumentException.class,
                () ->
                    family.build(
                        MafConfig.defaults(), new BuildContext(bad, ParameterScope.root(m, 1))));
        assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
      }
    }
  }

  @Test
  void theExtensionIsIndexedForPf4j() {
    PluginArchitecture.assertIndexed(MafFamily.class);
    assertEquals("maf", new MafFamily().name());
  }
}
