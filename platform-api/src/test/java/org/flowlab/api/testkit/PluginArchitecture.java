package org.flowlab.api.testkit;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.flowlab.api.onnx.OnnxGraph;

/**
 * The architecture rule every plugin module checks in its tests: a plugin's classes depend only on
 * its own package, platform-api, DJL, PF4J, the JDK and {@code jakarta.inject} — never on the host,
 * the registry or another plugin — never hands DJL a Java number as a tensor operand ({@link
 * #SCALAR_OPERANDS}), and never names a device or opens a manager of its own ({@link
 * #ARRAYS_ON_THE_RUNS_DEVICE}). Use it from a plugin test:
 *
 * <pre>{@code
 * @Test
 * void seesOnlyTheApi() {
 *   PluginArchitecture.check("org.flowlab.plugins.realnvp");
 * }
 * }</pre>
 */
public final class PluginArchitecture {
  /** The packages (ArchUnit syntax) a plugin may use besides its own. */
  public static final List<String> ALLOWED =
      List.of("org.flowlab.api..", "ai.djl..", "org.pf4j..", "java..", "jakarta.inject..");

  private PluginArchitecture() {}

  /**
   * No class multiplies, divides, raises or clamps (maximum/minimum) an NDArray by a Java number:
   * DJL wraps the number in a tensor over a Java buffer that it frees after the op, while autograd
   * keeps the tensor for the backward pass — gradients then read freed memory. Use {@link
   * org.flowlab.api.nn.Scalars}.
   */
  public static final ArchRule SCALAR_OPERANDS =
      noClasses()
          .should()
          .callMethod(NDArray.class, "mul", Number.class)
          .orShould()
          .callMethod(NDArray.class, "div", Number.class)
          .orShould()
          .callMethod(NDArray.class, "pow", Number.class)
          .orShould()
          .callMethod(NDArray.class, "rdiv", Number.class)
          .orShould()
          .callMethod(NDArray.class, "rpow", Number.class)
          .orShould()
          .callMethod(NDArray.class, "maximum", Number.class)
          .orShould()
          .callMethod(NDArray.class, "minimum", Number.class)
          .orShould()
          .callMethod(NDArray.class, "muli", Number.class)
          .orShould()
          .callMethod(NDArray.class, "divi", Number.class)
          .because(
              "DJL frees a Number operand's buffer while autograd still holds it; use"
                  + " org.flowlab.api.nn.Scalars");

  /**
   * No class but {@code org.flowlab.api.ops.OnnxOps} adds ONNX nodes ({@code OnnxGraph.op/ops}):
   * each operator's ONNX form is written once there, and every export runs a definition written
   * over {@code TensorOps} in {@code new OnnxOps(graph)}. Inputs, outputs and constants are the
   * graph's own.
   */
  public static final ArchRule ONNX_NODES_ONLY_IN_ONNX_OPS =
      noClasses()
          .that()
          .doNotHaveFullyQualifiedName("org.flowlab.api.ops.OnnxOps")
          .and()
          .doNotHaveFullyQualifiedName("org.flowlab.api.onnx.OnnxGraph")
          .should()
          .callMethod(OnnxGraph.class, "op", String.class, List.class, Map.class)
          .orShould()
          .callMethod(OnnxGraph.class, "ops", String.class, List.class, int.class, Map.class)
          .because(
              "each operator's ONNX form is written once, in org.flowlab.api.ops.OnnxOps; write"
                  + " the math over TensorOps and record it with new OnnxOps(graph)");

  /** The calls that pick a device by themselves instead of following the run's manager. */
  private static final DescribedPredicate<JavaMethodCall> NAMES_A_DEVICE =
      DescribedPredicate.describe(
          "NDManager.newBaseManager(..), Engine.newBaseManager(..), Engine.defaultDevice() or"
              + " Device.cpu/gpu/of/fromName(..)",
          call -> {
            JavaClass owner = call.getTargetOwner();
            String name = call.getName();
            if (name.equals("newBaseManager")) {
              return owner.isAssignableTo(NDManager.class) || owner.isAssignableTo(Engine.class);
            }
            if (name.equals("defaultDevice")) {
              return owner.isAssignableTo(Engine.class);
            }
            return owner.isEquivalentTo(Device.class)
                && Set.of("cpu", "gpu", "of", "fromName").contains(name);
          });

  /**
   * No class opens a manager or names a device by itself, except {@code allowedClasses} (fully
   * qualified top-level names; their nested classes and lambdas included). Every array is created
   * from the manager of an array that is already on the run's device, or from the run's manager: a
   * bare {@code NDManager.newBaseManager()} lands on the engine's default device (the first GPU
   * when there is one) and {@code Device.cpu()} on the host, so either one puts a tensor on another
   * device than the model's as soon as the run is on a GPU — and on a CPU-only machine nothing
   * shows it.
   */
  public static ArchRule arraysOnTheRunsDevice(Collection<String> allowedClasses) {
    Set<String> allowed = Set.copyOf(allowedClasses);
    DescribedPredicate<JavaClass> isAllowed =
        DescribedPredicate.describe(
            "allowed to name a device " + allowed,
            c -> allowed.contains(topLevelName(c.getName())));
    return noClasses()
        .that(DescribedPredicate.not(isAllowed))
        .should()
        .callMethodWhere(NAMES_A_DEVICE)
        .because(
            "arrays are created from the run's manager or from the manager of an array already on"
                + " the run's device (x.getManager()); only the host's allow-list names a device");
  }

  /**
   * {@link #arraysOnTheRunsDevice} with no exception: what every plugin (and platform-api) obeys.
   */
  public static final ArchRule ARRAYS_ON_THE_RUNS_DEVICE = arraysOnTheRunsDevice(List.of());

  private static String topLevelName(String className) {
    int nested = className.indexOf('$');
    return nested < 0 ? className : className.substring(0, nested);
  }

  /** The rule for the classes in {@code pluginPackage} and its subpackages. */
  public static ArchRule seesOnlyTheApi(String pluginPackage) {
    List<String> allowed = new ArrayList<>(ALLOWED);
    allowed.add(pluginPackage + "..");
    return classes()
        .that()
        .resideInAPackage(pluginPackage + "..")
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage(allowed.toArray(String[]::new))
        .because("a plugin compiles against platform-api only and gets host services by injection");
  }

  /** Imports the plugin's main classes (not its tests) from the class path. */
  public static JavaClasses importMainClasses(String pluginPackage) {
    return new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages(pluginPackage);
  }

  /**
   * Checks the plugin's main classes against {@link #seesOnlyTheApi}.
   *
   * @throws AssertionError listing each forbidden dependency, or when no class was found
   */
  public static void check(String pluginPackage) {
    JavaClasses plugin = importMainClasses(pluginPackage);
    if (plugin.isEmpty()) {
      throw new AssertionError(
          "no main classes in " + pluginPackage + " on the class path: compile the plugin first");
    }
    seesOnlyTheApi(pluginPackage).check(plugin);
    SCALAR_OPERANDS.check(plugin);
    ONNX_NODES_ONLY_IN_ONNX_OPS.check(plugin);
    ARRAYS_ON_THE_RUNS_DEVICE.check(plugin);
  }

  /**
   * Asserts that PF4J's annotation processor listed {@code extension} in a {@code
   * META-INF/extensions.idx} on the class path (several jars carry one; the plugin's own must name
   * it), so the host finds the family in the plugin's jar.
   */
  public static void assertIndexed(Class<?> extension) {
    StringBuilder indexes = new StringBuilder();
    try {
      for (java.net.URL url :
          java.util.Collections.list(
              extension.getClassLoader().getResources("META-INF/extensions.idx"))) {
        try (java.io.InputStream in = url.openStream()) {
          indexes.append(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        }
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    if (!indexes.toString().contains(extension.getName())) {
      throw new AssertionError(extension.getName() + " is not in any extensions.idx: " + indexes);
    }
  }
}
