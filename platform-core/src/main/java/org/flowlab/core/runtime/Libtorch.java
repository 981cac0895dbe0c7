package org.flowlab.core.runtime;

import java.nio.file.Path;

/**
 * The libtorch chosen for this JVM.
 *
 * @param source where it came from: {@code --libtorch}, {@code FLOWLAB_LIBTORCH}, {@code
 *     FLOWLAB_PYTHON}, {@code PYTORCH_LIBRARY_PATH}, {@code python3 on PATH} or {@code bundled}
 * @param folder the lib folder holding {@code libtorch.so}; null for the bundled natives (DJL
 *     extracts them into its cache)
 * @param loadFolder the folder DJL is pointed at: {@code folder} itself, or a folder of links to
 *     the libraries of {@code folder} that can load here; null for the bundled natives
 * @param version the torch version, e.g. {@code 2.7.1+cu126}
 * @param flavor the DJL JNI flavour it loads through: {@code cu128} or {@code cpu}
 * @param reason why this one, in one line
 */
public record Libtorch(
    String source, Path folder, Path loadFolder, String version, String flavor, String reason) {
  /** The source of the natives in the {@code pytorch-native-cpu} jar. */
  public static final String BUNDLED = "bundled";

  /** Whether these are the bundled CPU natives. */
  public boolean bundled() {
    return BUNDLED.equals(source);
  }

  /** One line for the user: what loads, from where, and why. */
  public String describe() {
    return "libtorch "
        + version
        + " ("
        + flavor
        + " JNI) from "
        + (folder == null ? "the bundled CPU natives" : folder.toString())
        + ": "
        + reason;
  }
}
