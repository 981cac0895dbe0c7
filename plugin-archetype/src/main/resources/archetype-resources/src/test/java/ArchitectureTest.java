package ${package};

import org.flowlab.api.testkit.PluginArchitecture;
import org.junit.jupiter.api.Test;

/** The plugin sees only platform-api, and PF4J's index lists its family. */
class ArchitectureTest {
  @Test
  void seesOnlyThePlatformApi() {
    PluginArchitecture.check("${package}");
  }

  @Test
  void theFamilyIsInTheExtensionIndex() {
    PluginArchitecture.assertIndexed(AffineFamily.class);
  }
}
