package org.flowlab.core.cli;

import java.nio.file.Path;
import org.flowlab.api.onnx.runtime.OnnxSession;
import org.flowlab.registry.ModelStore;
import picocli.CommandLine.Option;

/** Options shared by the registry commands: where models live and which ORT provider to ask for. */
final class RegistryOptions {
  @Option(
      names = "--models-dir",
      paramLabel = "DIR",
      description = "Model registry folder (default: $FLOWLAB_MODELS, else ./models).")
  Path modelsDir;

  @Option(
      names = "--provider",
      paramLabel = "P",
      description =
          "ONNX Runtime execution provider: auto (CUDA when it loads, else CPU; the default, or"
              + " $FLOWLAB_ORT_PROVIDER), cpu or cuda.")
  String provider;

  /**
   * Checks an {@code --out} file before any work: not an existing folder, and its folder exists.
   *
   * @throws org.flowlab.core.config.ConfigException (exit code 2)
   */
  static void checkOut(Path out) {
    checkOut("--out", out);
  }

  /** {@link #checkOut(Path)} of the output file given by {@code option}. */
  static void checkOut(String option, Path out) {
    if (java.nio.file.Files.isDirectory(out)) {
      throw new org.flowlab.core.config.ConfigException(
          option + " " + out, "", "is a folder; give a file name, e.g. " + out.resolve("x.npy"));
    }
    Path folder = out.toAbsolutePath().getParent();
    if (folder != null && !java.nio.file.Files.isDirectory(folder)) {
      throw new org.flowlab.core.config.ConfigException(
          option + " " + out, "", "folder " + folder + " does not exist");
    }
  }

  /** The store. */
  ModelStore store() {
    return new ModelStore(modelsDir != null ? modelsDir : ModelStore.defaultRoot());
  }

  /** The provider asked for. */
  OnnxSession.Provider provider() {
    try {
      return provider == null
          ? OnnxSession.Provider.fromEnvironment()
          : OnnxSession.Provider.valueOf(provider.trim().toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new org.flowlab.core.config.ConfigException(
          "--provider", "", "expected auto, cpu or cuda, got '" + provider + "'");
    }
  }
}
