package org.flowlab.plugins.iaf;

import org.flowlab.api.testkit.PluginArchitecture;
import org.junit.jupiter.api.Test;

/** The plugin compiles against platform-api only. */
class IafArchitectureTest {
  @Test
  void seesOnlyThePlatformApi() {
    PluginArchitecture.check("org.flowlab.plugins.iaf");
  }
}
