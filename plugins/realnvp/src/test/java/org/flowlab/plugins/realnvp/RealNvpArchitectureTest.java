package org.flowlab.plugins.realnvp;

import org.flowlab.api.testkit.PluginArchitecture;
import org.junit.jupiter.api.Test;

class RealNvpArchitectureTest {
  @Test
  void seesOnlyThePlatformApi() {
    PluginArchitecture.check("org.flowlab.plugins.realnvp");
  }
}
