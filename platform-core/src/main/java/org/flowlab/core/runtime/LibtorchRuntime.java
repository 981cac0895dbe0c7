package org.flowlab.core.runtime;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The libtorch of this JVM: chosen once at launch ({@link #selectAtLaunch}) and handed to DJL as
 * system properties before its engine loads; a child JVM started with {@link #childJvmFlags} takes
 * its parent's choice as is. Native libraries are process-wide, so this is too.
 */
public final class LibtorchRuntime {
  /** System property: where the libtorch came from ({@link Libtorch#source}). */
  public static final String SOURCE = "flowlab.libtorch.source";

  /** System property: the lib folder, empty for the bundled natives. */
  public static final String FOLDER = "flowlab.libtorch.folder";

  /** System property: the torch version. */
  public static final String VERSION = "flowlab.libtorch.version";

  /** System property: the JNI flavour. */
  public static final String FLAVOR = "flowlab.libtorch.flavor";

  /** System property: why this libtorch. */
  public static final String REASON = "flowlab.libtorch.reason";

  private static final String DJL_PATH = "PYTORCH_LIBRARY_PATH";
  private static final String DJL_VERSION = "PYTORCH_VERSION";
  private static final String DJL_FLAVOR = "PYTORCH_FLAVOR";

  private static volatile Libtorch selected;
  private static volatile boolean announced;

  private LibtorchRuntime() {}

  /**
   * Chooses the libtorch and tells DJL; call before anything touches DJL's engine. A JVM whose
   * parent passed {@link #childJvmFlags} keeps the parent's choice.
   *
   * @param option the folder given by {@code --libtorch}, or null
   * @param err where a warning goes (an NVIDIA driver without a CUDA libtorch)
   * @throws LibtorchException when a named libtorch is missing or of another version
   */
  public static synchronized Libtorch selectAtLaunch(Path option, PrintStream err) {
    Libtorch inherited = fromProperties();
    if (inherited != null) {
      selected = inherited;
      return inherited;
    }
    Map<String, String> env = System.getenv();
    LibtorchSelector selector = new LibtorchSelector(env, NvidiaDriver.find(env), cacheRoot(env));
    Libtorch chosen = selector.select(option);
    if (selector.warning() != null) {
      err.println(selector.warning());
    }
    apply(chosen);
    return chosen;
  }

  /** The libtorch chosen at launch; the bundled natives when nothing was chosen (embedded use). */
  public static Libtorch current() {
    Libtorch s = selected;
    return s != null
        ? s
        : new Libtorch(
            Libtorch.BUNDLED,
            null,
            null,
            LibtorchSelector.JNI_VERSION,
            "cpu",
            "not chosen at launch (embedded use): DJL's default");
  }

  /** The flags that make a child JVM load the same libtorch without choosing again. */
  public static List<String> childJvmFlags() {
    Libtorch s = selected;
    List<String> flags = new ArrayList<>();
    if (s == null) {
      return flags;
    }
    if (s.loadFolder() != null) {
      flags.add("-D" + DJL_PATH + "=" + s.loadFolder());
      flags.add("-D" + DJL_VERSION + "=" + LibtorchSelector.JNI_VERSION);
      flags.add("-D" + DJL_FLAVOR + "=" + s.flavor());
    }
    flags.add("-D" + SOURCE + "=" + s.source());
    flags.add("-D" + FOLDER + "=" + (s.folder() == null ? "" : s.folder()));
    flags.add("-D" + VERSION + "=" + s.version());
    flags.add("-D" + FLAVOR + "=" + s.flavor());
    flags.add("-D" + REASON + "=" + s.reason());
    return flags;
  }

  /** Prints {@link Libtorch#describe} once per JVM (the first run that records it). */
  public static void announceOnce(PrintStream out) {
    if (!announced) {
      announced = true;
      out.println(current().describe());
    }
  }

  private static void apply(Libtorch chosen) {
    if (chosen.loadFolder() != null) {
      System.setProperty(DJL_PATH, chosen.loadFolder().toString());
      System.setProperty(DJL_VERSION, LibtorchSelector.JNI_VERSION);
      System.setProperty(DJL_FLAVOR, chosen.flavor());
    }
    System.setProperty(SOURCE, chosen.source());
    System.setProperty(FOLDER, chosen.folder() == null ? "" : chosen.folder().toString());
    System.setProperty(VERSION, chosen.version());
    System.setProperty(FLAVOR, chosen.flavor());
    System.setProperty(REASON, chosen.reason());
    selected = chosen;
  }

  private static Libtorch fromProperties() {
    String source = System.getProperty(SOURCE);
    if (source == null) {
      return null;
    }
    String folder = System.getProperty(FOLDER, "");
    String load = System.getProperty(DJL_PATH);
    return new Libtorch(
        source,
        folder.isEmpty() ? null : Path.of(folder),
        load == null ? null : Path.of(load),
        System.getProperty(VERSION, LibtorchSelector.JNI_VERSION),
        System.getProperty(FLAVOR, "cpu"),
        System.getProperty(REASON, "chosen by the parent JVM"));
  }

  /**
   * {@code $FLOWLAB_CACHE}, else {@code $XDG_CACHE_HOME/flowlab}, else {@code ~/.cache/flowlab}.
   */
  public static Path cacheRoot(Map<String, String> env) {
    String flowlab = env.get("FLOWLAB_CACHE");
    if (flowlab != null && !flowlab.isBlank()) {
      return Path.of(flowlab);
    }
    String xdg = env.get("XDG_CACHE_HOME");
    if (xdg != null && !xdg.isBlank()) {
      return Path.of(xdg, "flowlab");
    }
    return Path.of(System.getProperty("user.home"), ".cache", "flowlab");
  }
}
