package org.flowlab.plugins.iaf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.bijector.Autoregressive;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.random.Seeds;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.testkit.AutoregressiveFamilyChecks;
import org.flowlab.api.testkit.FlowChecks;
import org.flowlab.api.testkit.PluginArchitecture;
import org.flowlab.core.config.ConfigLoader;
import org.flowlab.core.config.LoadedConfig;
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
    AutoregressiveFamilyChecks.assertOneLineErrorsNamingTheirKeys(bad, keys);
  }

  @Test
  void actnormPrecedesEachLayerAndIdentityInitIsTheIdentity() {
    AutoregressiveFamilyChecks.assertActnormLayersStartingAsTheIdentity(
        new IafFamily(),
        new IafConfig(3, List.of(8), "random", "tanh", null, false, true, true, null, null),
        Autoregressive.Direction.IAF);
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
    AutoregressiveFamilyChecks.assertImagesFlattenedAndOtherShapesRejected(
        new IafFamily(), IafConfig.defaults());
  }

  @Test
  void theExtensionIsIndexedForPf4j() {
    PluginArchitecture.assertIndexed(IafFamily.class);
    assertEquals("iaf", new IafFamily().name());
  }

  @Test
  void gatedBindsFromYamlBesideTheSharedKeys() {
    LoadedConfig loaded =
        ConfigLoader.parse(
            "name: a\ndata: {name: moons}\nmodel:\n  family: iaf\n"
                + "  params: {gated: true, layers: 2, order: natural}\n",
            "iaf.yaml",
            List.of());
    IafConfig c = loaded.bindParams(IafConfig.class);
    assertTrue(c.gated());
    assertEquals(2, c.layers());
    assertEquals("natural", c.options().order());
    assertEquals(List.of(64, 64), c.options().hidden());
    assertTrue(loaded.config().model().params().get("gated").booleanValue());
    assertEquals(10, loaded.config().model().params().size(), "every key resolved, no other");
  }
}
