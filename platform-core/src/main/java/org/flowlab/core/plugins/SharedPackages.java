package org.flowlab.core.plugins;

import java.util.List;

/**
 * The packages every plugin must share with the host: one copy of each native library (DJL, ONNX
 * Runtime), one Guice (so a plugin's modules are castable), one platform-api (so extensions
 * implement the host's {@code FlowFamily}).
 */
final class SharedPackages {
  static final List<String> PREFIXES =
      List.of(
          "ai.djl.",
          "ai.onnxruntime.",
          "com.google.inject.",
          "com.google.common.",
          "jakarta.inject.",
          "javax.inject.",
          "org.pf4j.",
          "org.flowlab.api.",
          "org.slf4j.");

  private static final List<String> RESOURCE_PREFIXES =
      PREFIXES.stream().map(p -> p.replace('.', '/')).toList();

  private SharedPackages() {}

  /** Whether a class (binary name) must come from the host class loader. */
  static boolean isSharedClass(String className) {
    for (String prefix : PREFIXES) {
      if (className.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  /** Whether a resource (slash-separated path) belongs to a shared package. */
  static boolean isSharedResource(String resourceName) {
    for (String prefix : RESOURCE_PREFIXES) {
      if (resourceName.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }
}
