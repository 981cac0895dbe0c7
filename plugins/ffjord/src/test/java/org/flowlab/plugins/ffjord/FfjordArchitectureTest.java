package org.flowlab.plugins.ffjord;

import org.flowlab.api.testkit.PluginArchitecture;
import org.junit.jupiter.api.Test;

class FfjordArchitectureTest {
  @Test
  void seesOnlyThePlatformApi() {
    PluginArchitecture.check("org.flowlab.plugins.ffjord");
  }
}
