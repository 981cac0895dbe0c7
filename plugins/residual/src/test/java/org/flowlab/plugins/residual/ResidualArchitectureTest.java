package org.flowlab.plugins.residual;

import org.flowlab.api.testkit.PluginArchitecture;
import org.junit.jupiter.api.Test;

class ResidualArchitectureTest {
  @Test
  void seesOnlyThePlatformApi() {
    PluginArchitecture.check("org.flowlab.plugins.residual");
  }
}
