package org.flowlab.plugins.maf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.flowlab.api.bijector.Autoregressive;
import org.flowlab.api.testkit.AutoregressiveFamilyChecks;
import org.flowlab.api.testkit.PluginArchitecture;
import org.flowlab.core.config.ConfigException;
import org.flowlab.core.config.ConfigLoader;
import org.flowlab.core.config.LoadedConfig;
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
    AutoregressiveFamilyChecks.assertOneLineErrorsNamingTheirKeys(bad, keys);
  }

  @Test
  void actnormPrecedesEachLayerAndIdentityInitIsTheIdentity() {
    AutoregressiveFamilyChecks.assertActnormLayersStartingAsTheIdentity(
        new MafFamily(),
        new MafConfig(3, List.of(8), "random", "tanh", null, true, true, null, null),
        Autoregressive.Direction.MAF);
  }

  @Test
  void imagesAreFlattenedAndOtherShapesRejected() {
    AutoregressiveFamilyChecks.assertImagesFlattenedAndOtherShapesRejected(
        new MafFamily(), MafConfig.defaults());
  }

  @Test
  void theExtensionIsIndexedForPf4j() {
    PluginArchitecture.assertIndexed(MafFamily.class);
    assertEquals("maf", new MafFamily().name());
  }

  /** A config file whose {@code model.params} are the given YAML lines (from line 6). */
  private static LoadedConfig yaml(String... params) {
    return ConfigLoader.parse(
        "name: a\ndata: {name: moons}\nmodel:\n  family: maf\n  params:\n    "
            + String.join("\n    ", params)
            + "\n",
        "maf.yaml",
        List.of());
  }

  @Test
  void gatedIsAnIafKeyThatMafRefusesAsUnknown() {
    LoadedConfig loaded = yaml("layers: 2", "gated: true");
    ConfigException e =
        assertThrows(ConfigException.class, () -> loaded.bindParams(MafConfig.class));
    assertEquals("model.params.gated", e.key());
    assertTrue(e.problem().startsWith("unknown key 'gated' in model.params"), e.problem());
    assertTrue(e.getMessage().startsWith("maf.yaml:7:"), e.getMessage());
  }

  @Test
  void yamlBindsEveryKeyLocatesBadValuesAndResolvesTheSameKeysWithDefaults() {
    LoadedConfig loaded = yaml("hidden: [8, 8]", "identity_init: false", "log_scale_bound: 2.5");
    MafConfig c = loaded.bindParams(MafConfig.class);
    assertEquals(List.of(8, 8), c.hidden());
    assertFalse(c.identityInit());
    assertEquals(2.5, c.logScaleBound());
    assertEquals(5, c.layers());
    List<String> resolved = new ArrayList<>();
    loaded.config().model().params().fieldNames().forEachRemaining(resolved::add);
    assertEquals(
        List.of(
            "layers",
            "hidden",
            "order",
            "activation",
            "residual",
            "actnorm",
            "identity_init",
            "log_scale_bound",
            "prior"),
        resolved);
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> yaml("layers: 2", "log_scale_bound: 0.0").bindParams(MafConfig.class));
    assertEquals(
        "maf.yaml:7:5: model.params.log_scale_bound: must be between 0.001 and 20.0, got 0.0",
        e.getMessage());
  }
}
