package org.flowlab.plugins.maf;

import org.flowlab.api.testkit.PluginArchitecture;
import org.junit.jupiter.api.Test;

/** The plugin compiles against platform-api only. */
class MafArchitectureTest {
  @Test
  void seesOnlyThePlatformApi() {
    PluginArchitecture.check("org.flowlab.plugins.maf");
  }
}
