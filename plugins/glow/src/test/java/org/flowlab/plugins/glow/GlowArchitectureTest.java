package org.flowlab.plugins.glow;

import org.flowlab.api.testkit.PluginArchitecture;
import org.junit.jupiter.api.Test;

class GlowArchitectureTest {
  @Test
  void seesOnlyThePlatformApi() {
    PluginArchitecture.check("org.flowlab.plugins.glow");
  }
}
