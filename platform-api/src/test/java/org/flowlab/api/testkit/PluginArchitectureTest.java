package org.flowlab.api.testkit;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import org.junit.jupiter.api.Test;

/** The plugin rule on two fixtures: one clean, one that uses slf4j directly. */
class PluginArchitectureTest {
  private static final String CLEAN = "org.flowlab.api.testkit.fixture.clean";
  private static final String LEAKY = "org.flowlab.api.testkit.fixture.leaky";

  @Test
  void aPluginThatUsesOnlyTheApiPasses() {
    JavaClasses clean = new ClassFileImporter().importPackages(CLEAN);
    assertTrue(clean.size() >= 2, "fixture imported: " + clean);
    PluginArchitecture.seesOnlyTheApi(CLEAN).check(clean);
  }

  @Test
  void aPluginThatReachesPastTheApiFailsNamingTheDependency() {
    JavaClasses leaky = new ClassFileImporter().importPackages(LEAKY);
    AssertionError e =
        assertThrows(
            AssertionError.class, () -> PluginArchitecture.seesOnlyTheApi(LEAKY).check(leaky));
    assertTrue(e.getMessage().contains("org.slf4j.Logger"), e.getMessage());
  }

  @Test
  void checkingAPackageWithoutMainClassesSaysToBuildFirst() {
    AssertionError e = assertThrows(AssertionError.class, () -> PluginArchitecture.check(CLEAN));
    assertTrue(e.getMessage().contains("compile the plugin first"), e.getMessage());
  }
}
