package org.flowlab.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import java.net.URISyntaxException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.flowlab.api.spi.FlowFamily;
import org.flowlab.core.plugins.PluginHost;
import org.flowlab.registry.ModelStore;
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
    // Import the three modules' class folders (or jars) only: scanning the whole class path (the
    // PyTorch natives jar included) for these packages is several times slower.
    flowlab =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importLocations(
                Stream.of(FlowFamily.class, PluginHost.class, ModelStore.class)
                    .map(ArchitectureTest::locationOf)
                    .collect(Collectors.toSet()));
  }

  private static Location locationOf(Class<?> type) {
    try {
      return Location.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
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
  void noJavaNumberIsATensorOperand() {
    org.flowlab.api.testkit.PluginArchitecture.SCALAR_OPERANDS.check(flowlab);
  }

  /**
   * The host classes that may open a manager or name a device, each for a reason. Everything else
   * (platform-api and registry included) creates arrays from the run's manager or from the manager
   * of an array already on the run's device.
   */
  private static final java.util.List<String> NAME_A_DEVICE =
      java.util.List.of(
          // Maps training.device to a DJL device and opens the run's manager on it.
          "org.flowlab.core.train.Devices",
          // Export traces the flow on the host on purpose: the ONNX graph is built from host
          // arrays and its parity is checked against ONNX Runtime, which reads host memory.
          "org.flowlab.core.export.RunExporter",
          // Measures the JVM model against ONNX Runtime on the same host arrays (as export does).
          "org.flowlab.core.export.ExportBenchmark");

  @Test
  void arraysAreCreatedOnTheRunsDevice() {
    org.flowlab.api.testkit.PluginArchitecture.arraysOnTheRunsDevice(NAME_A_DEVICE).check(flowlab);
  }

  @Test
  void onnxNodesAreBuiltOnlyInOnnxOps() {
    org.flowlab.api.testkit.PluginArchitecture.ONNX_NODES_ONLY_IN_ONNX_OPS.check(flowlab);
  }

  @Test
  void theImportSawBothModules() {
    // Guards the rules above against passing on an empty import.
    org.junit.jupiter.api.Assertions.assertTrue(
        flowlab.containPackage("org.flowlab.api.spi")
            && flowlab.containPackage("org.flowlab.core.plugins"),
        "expected platform-api, platform-core and registry classes on the class path");
  }
}
