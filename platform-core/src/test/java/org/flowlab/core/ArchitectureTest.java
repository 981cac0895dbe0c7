package org.flowlab.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering the design promises: no package cycles, and platform-api never reaches into the host
 * or the registry. (That plugins see only platform-api is checked in each plugin module with {@code
 * org.flowlab.api.testkit.PluginArchitecture}, since plugins build after this module.)
 */
class ArchitectureTest {
  private static JavaClasses flowlab;

  @BeforeAll
  static void importClasses() {
    flowlab =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.flowlab.api", "org.flowlab.core", "org.flowlab.registry");
  }

  @Test
  void coreAndApiPackagesAreFreeOfCycles() {
    slices().matching("org.flowlab.(core|api).(*)..").should().beFreeOfCycles().check(flowlab);
  }

  @Test
  void apiDependsOnNeitherHostNorRegistry() {
    noClasses()
        .that()
        .resideInAPackage("org.flowlab.api..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.flowlab.core..", "org.flowlab.registry..")
        .check(flowlab);
  }

  @Test
  void theImportSawBothModules() {
    // Guards the rules above against passing on an empty import.
    org.junit.jupiter.api.Assertions.assertTrue(
        flowlab.containPackage("org.flowlab.api.spi")
            && flowlab.containPackage("org.flowlab.core.plugins"),
        "expected platform-api and platform-core classes on the class path");
  }
}
