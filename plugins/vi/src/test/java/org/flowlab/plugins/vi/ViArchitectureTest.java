package org.flowlab.plugins.vi;

import org.flowlab.api.testkit.PluginArchitecture;
import org.junit.jupiter.api.Test;

/** The plugin compiles against platform-api only, and every family is indexed for PF4J. */
class ViArchitectureTest {
  @Test
  void seesOnlyThePlatformApi() {
    PluginArchitecture.check("org.flowlab.plugins.vi");
  }

  @Test
  void theExtensionsAreIndexedForPf4j() {
    PluginArchitecture.assertIndexed(PlanarFamily.class);
    PluginArchitecture.assertIndexed(RadialFamily.class);
    PluginArchitecture.assertIndexed(SylvesterFamily.class);
  }
}
