package org.flowlab.plugins.iaf;

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
import org.flowlab.api.testkit.FlowChecks;
import org.flowlab.api.testkit.PluginArchitecture;
import org.junit.jupiter.api.Test;

/** Config defaults and one-line errors, and the structure of the built flow. */
class IafConfigTest {
  @Test
  void defaults() {
    IafConfig c = IafConfig.defaults();
    assertEquals(5, c.layers());
    assertEquals(List.of(64, 64), c.hidden());
    assertEquals("reversed", c.order());
    assertEquals("relu", c.activation());
    assertFalse(c.residual());
    assertFalse(c.gated());
    assertFalse(c.actnorm());
    assertTrue(c.identityInit());
    assertEquals(3.0, c.logScaleBound());
    assertEquals("normal", c.prior());
  }

  @Test
  void badValuesGiveOneLineErrorsNamingTheirKey() {
    List<Runnable> bad =
        List.of(
            () -> new IafConfig(0, null, null, null, null, null, null, null, null, null),
            () -> new IafConfig(null, List.of(), null, null, null, null, null, null, null, null),
            () -> new IafConfig(null, null, "shuffled", null, null, null, null, null, null, null),
            () -> new IafConfig(null, null, null, null, null, null, null, null, 0.0, null),
            () -> new IafConfig(null, null, null, null, null, null, null, null, null, "cauchy"),
            () ->
                new IafConfig(null, List.of(8, 4), null, null, true, null, null, null, null, null));
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
          new IafFamily()
              .build(
                  new IafConfig(
                      3, List.of(8), "random", "tanh", null, false, true, true, null, null),
                  new BuildContext(new Shape(4), ParameterScope.root(m, 1)));
      assertEquals(6, flow.bijectors().size());
      for (int k = 0; k < 3; k++) {
        assertTrue(flow.bijectors().get(2 * k) instanceof ActNorm);
        Autoregressive layer = (Autoregressive) flow.bijectors().get(2 * k + 1);
        assertEquals(Autoregressive.Direction.IAF, layer.direction());
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
  void theGatedUpdateStartsAsAContractionAndSamplesInOnePass() {
    try (NDManager m = NDManager.newBaseManager()) {
      Flow flow =
          new IafFamily()
              .build(
                  new IafConfig(2, List.of(8), null, null, null, true, null, null, null, null),
                  new BuildContext(new Shape(3), ParameterScope.root(m, 1)));
      NDArray z = m.create(Seeds.normal(Seeds.stream(1, "z"), 12), new Shape(4, 3));
      // zero MADE outputs: σ = sigmoid(2), shift 0, so each layer maps z to σ·z
      double sigma = 1 / (1 + Math.exp(-2));
      float[] x = flow.decode(z).toFloatArray();
      float[] zs = z.toFloatArray();
      for (int i = 0; i < zs.length; i++) {
        assertEquals(sigma * sigma * zs[i], x[i], 1e-5, "x = σ²·z at " + i);
      }
      Transformed t = flow.encode(flow.decode(z), LogDetMode.EXACT);
      assertTrue(FlowChecks.maxAbsDiff(t.value(), z) < 1e-5, "density pass inverts sampling");
      for (float ld : t.logDet().toFloatArray()) {
        assertEquals(-2 * 3 * Math.log(sigma), ld, 1e-4, "data → latent expands: −Σ log σ");
      }
    }
  }

  @Test
  void imagesAreFlattenedAndOtherShapesRejected() {
    try (NDManager m = NDManager.newBaseManager()) {
      IafFamily family = new IafFamily();
      Flow flow =
          family.build(
              IafConfig.defaults(),
              new BuildContext(new Shape(1, 2, 3), ParameterScope.root(m, 1)));
      assertEquals(new Shape(1, 2, 3), flow.latentShape());
      for (Shape bad : List.of(new Shape(1), new Shape(4, 4), new Shape(1, 1, 1))) {
        IllegalArgumentException e =
            assertThrows(
                IllegalArgumentException.class,
                () ->
                    family.build(
                        IafConfig.defaults(), new BuildContext(bad, ParameterScope.root(m, 1))));
        assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
      }
    }
  }

  @Test
  void theExtensionIsIndexedForPf4j() {
    PluginArchitecture.assertIndexed(IafFamily.class);
    assertEquals("iaf", new IafFamily().name());
  }
}
