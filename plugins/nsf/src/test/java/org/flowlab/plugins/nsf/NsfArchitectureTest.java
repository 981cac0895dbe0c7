package org.flowlab.plugins.nsf;

import org.flowlab.api.testkit.PluginArchitecture;
import org.junit.jupiter.api.Test;

/** The plugin compiles against platform-api only. */
class NsfArchitectureTest {
  @Test
  void seesOnlyThePlatformApi() {
    PluginArchitecture.check("org.flowlab.plugins.nsf");
  }
}
