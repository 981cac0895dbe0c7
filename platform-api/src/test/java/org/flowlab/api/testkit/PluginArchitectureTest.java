package org.flowlab.api.testkit;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The plugin rules on fixtures: one clean, one that uses slf4j directly, one that creates arrays
 * off the run's device.
 */
class PluginArchitectureTest {
  private static final String CLEAN = "org.flowlab.api.testkit.fixture.clean";
  private static final String LEAKY = "org.flowlab.api.testkit.fixture.leaky";
  private static final String OFF_DEVICE = "org.flowlab.api.testkit.fixture.offdevice";

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

  @Test
  void arraysOffTheRunsDeviceAreReportedOneByOne() {
    JavaClasses offDevice = new ClassFileImporter().importPackages(OFF_DEVICE);
    AssertionError e =
        assertThrows(
            AssertionError.class,
            () -> PluginArchitecture.ARRAYS_ON_THE_RUNS_DEVICE.check(offDevice));
    String report = e.getMessage();
    assertTrue(report.contains("NDManager.newBaseManager()"), report);
    assertTrue(report.contains("Device.cpu()"), report);
    assertTrue(report.contains("Device.gpu(int)"), report);
    assertTrue(report.contains("HostArrays.java:14"), report);
  }

  @Test
  void anAllowListedClassMayNameADevice() {
    JavaClasses offDevice = new ClassFileImporter().importPackages(OFF_DEVICE);
    PluginArchitecture.arraysOnTheRunsDevice(List.of(OFF_DEVICE + ".HostArrays")).check(offDevice);
  }

  @Test
  void onnxNodesBuiltOutsideOnnxOpsAreReported() {
    String rawOnnx = "org.flowlab.api.testkit.fixture.rawonnx";
    JavaClasses raw = new ClassFileImporter().importPackages(rawOnnx);
    AssertionError e =
        assertThrows(
            AssertionError.class, () -> PluginArchitecture.ONNX_NODES_ONLY_IN_ONNX_OPS.check(raw));
    assertTrue(e.getMessage().contains("HandWrittenTanh"), e.getMessage());
    JavaClasses clean = new ClassFileImporter().importPackages(CLEAN);
    PluginArchitecture.ONNX_NODES_ONLY_IN_ONNX_OPS.check(clean);
  }

  @Test
  void aPluginThatFollowsItsInputsManagerPasses() {
    JavaClasses clean = new ClassFileImporter().importPackages(CLEAN);
    PluginArchitecture.ARRAYS_ON_THE_RUNS_DEVICE.check(clean);
  }
}
