package org.flowlab.api.testkit;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import ai.djl.ndarray.NDArray;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.ArrayList;
import java.util.List;

/**
 * The architecture rule every plugin module checks in its tests: a plugin's classes depend only on
 * its own package, platform-api, DJL, PF4J, the JDK and {@code jakarta.inject} — never on the host,
 * the registry or another plugin — and never hands DJL a Java number as a tensor operand ({@link
 * #SCALAR_OPERANDS}). Use it from a plugin test:
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
