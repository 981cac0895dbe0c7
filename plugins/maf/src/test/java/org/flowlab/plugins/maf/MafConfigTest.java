package org.flowlab.plugins.maf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.flowlab.api.bijector.Autoregressive;
import org.flowlab.api.testkit.AutoregressiveFamilyChecks;
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
}
