package org.flowlab.core.runtime;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * Chooses the libtorch, first match wins:
 *
 * <ol>
 *   <li>a folder named by {@code --libtorch} or {@code FLOWLAB_LIBTORCH};
 *   <li>the {@code torch} of the Python named by {@code FLOWLAB_PYTHON};
 *   <li>DJL's own {@code PYTORCH_LIBRARY_PATH}, when set in the environment (DJL reads it first);
 *   <li>with an NVIDIA driver: the {@code torch} of {@code python3} on the PATH, else the bundled
 *       CPU natives with a warning that says how to get CUDA;
 *   <li>without one: the bundled CPU natives.
 * </ol>
 *
 * A libtorch the user named must be {@value #SERIES}x, the version DJL's JNI is built for, or hold
 * its own DJL JNI ({@code libdjl_torch.so}, built by {@code scripts/build-djl-jni}); any other is
 * refused. One found on the PATH of another version is passed over with a warning.
 */
public final class LibtorchSelector {
  /** The version the {@code pytorch-jni} jar on the classpath is built for. */
  public static final String JNI_VERSION = jniVersion();

  /** The accepted series, e.g. {@code 2.7.}. */
  static final String SERIES = JNI_VERSION.substring(0, JNI_VERSION.lastIndexOf('.') + 1);

  /** The one line that gets a CUDA libtorch this Flowlab loads. */
  public static final String INSTALL_LINE = "pip install torch==" + JNI_VERSION;

  private final Map<String, String> env;
  private final String driver;
  private final Path cacheRoot;
  private String warning;

  /**
   * @param env the environment ({@code FLOWLAB_LIBTORCH}, {@code FLOWLAB_PYTHON}, {@code PATH}...)
   * @param driver where the NVIDIA driver was seen, null when it was not ({@link NvidiaDriver})
   * @param cacheRoot where folders of links are built
   */
  public LibtorchSelector(Map<String, String> env, String driver, Path cacheRoot) {
    this.env = env;
    this.driver = driver;
    this.cacheRoot = cacheRoot;
  }

  /**
   * The libtorch to load.
   *
   * @param option the folder given by {@code --libtorch}, or null
   * @throws LibtorchException when a named libtorch is missing or of another version
   */
  public Libtorch select(Path option) {
    warning = null;
    if (option != null) {
      String what = "--libtorch " + option;
      return named(LibtorchFolder.read(option, what), "--libtorch", "named by --libtorch", what);
    }
    String folder = env.get("FLOWLAB_LIBTORCH");
    if (folder != null && !folder.isBlank()) {
      String what = "FLOWLAB_LIBTORCH=" + folder;
      return named(
          LibtorchFolder.read(Path.of(folder), what),
          "FLOWLAB_LIBTORCH",
          "named by FLOWLAB_LIBTORCH",
          what);
    }
    String python = env.get("FLOWLAB_PYTHON");
    if (python != null && !python.isBlank()) {
      String what = "FLOWLAB_PYTHON=" + python;
      return named(
          torchOf(python, what),
          "FLOWLAB_PYTHON",
          "the torch of " + python + ", named by FLOWLAB_PYTHON",
          what);
    }
    String djlPath = env.get("PYTORCH_LIBRARY_PATH");
    if (djlPath != null && !djlPath.isBlank()) {
      LibtorchFolder f = LibtorchFolder.read(Path.of(djlPath), "PYTORCH_LIBRARY_PATH=" + djlPath);
      checkVersion(f, "PYTORCH_LIBRARY_PATH=" + djlPath);
      return new Libtorch(
          "PYTORCH_LIBRARY_PATH",
          f.lib(),
          f.lib(),
          f.version(),
          flavor(f),
          "PYTORCH_LIBRARY_PATH is set (DJL's own variable; loaded as is)");
    }
    if (driver == null) {
      return bundled("no NVIDIA driver found (no /proc/driver/nvidia/version, no libcuda.so.1)");
    }
    Path python3 = onPath("python3");
    if (python3 == null) {
      return bundledWithWarning("no python3 on the PATH");
    }
    LibtorchFolder f;
    try {
      f = torchOf(python3.toString(), python3 + " on the PATH");
    } catch (LibtorchException e) {
      return bundledWithWarning(e.getMessage());
    }
    if (!f.version().startsWith(SERIES) && !f.ownJni()) {
      return bundledWithWarning(python3 + " has torch " + f.version() + ", not " + SERIES + "x");
    }
    if (!f.cuda()) {
      return bundledWithWarning(python3 + " has a CPU-only torch " + f.version());
    }
    return new Libtorch(
        "python3 on PATH",
        f.lib(),
        f.linkFolder(cacheRoot, true),
        f.version(),
        flavor(f),
        "NVIDIA driver at " + driver + " and a CUDA torch in " + python3);
  }

  /** The warning of the last {@link #select}, null when there is none. */
  public String warning() {
    return warning;
  }

  private Libtorch named(LibtorchFolder f, String source, String reason, String what) {
    checkVersion(f, what);
    return new Libtorch(
        source,
        f.lib(),
        f.linkFolder(cacheRoot, driver != null),
        f.version(),
        flavor(f),
        f.ownJni() ? reason + ", with its own DJL JNI (libdjl_torch.so)" : reason);
  }

  private static void checkVersion(LibtorchFolder f, String what) {
    if (!f.version().startsWith(SERIES) && !f.ownJni()) {
      throw new LibtorchException(
          what
              + ": libtorch "
              + f.version()
              + " found, Flowlab needs "
              + SERIES
              + "x (DJL's JNI is built for "
              + JNI_VERSION
              + "): "
              + INSTALL_LINE
              + ", or build a JNI for it with scripts/build-djl-jni");
    }
  }

  private static String flavor(LibtorchFolder f) {
    return f.cuda() ? "cu128" : "cpu";
  }

  private Libtorch bundled(String reason) {
    if (LibtorchSelector.class.getClassLoader().getResource("native/lib/pytorch.properties")
        == null) {
      throw new LibtorchException(
          "no libtorch: this Flowlab has no bundled CPU natives (pytorch-native-cpu) and "
              + reason
              + "; name a torch "
              + SERIES
              + "x with FLOWLAB_PYTHON=/path/to/python or FLOWLAB_LIBTORCH=DIR ("
              + INSTALL_LINE
              + ")");
    }
    return new Libtorch(Libtorch.BUNDLED, null, null, JNI_VERSION, "cpu", reason);
  }

  private Libtorch bundledWithWarning(String why) {
    warning =
        "warning: an NVIDIA driver is here but training runs on the CPU ("
            + why
            + "); for CUDA: "
            + INSTALL_LINE
            + " (or FLOWLAB_PYTHON=/path/to/python)";
    return bundled("NVIDIA driver found, but " + why);
  }

  /** The {@code torch} package of {@code python}, found without importing it (fast). */
  private static LibtorchFolder torchOf(String python, String what) {
    String script =
        "import importlib.util as u\n"
            + "s = u.find_spec('torch')\n"
            + "print(s.submodule_search_locations[0] if s and s.submodule_search_locations else '')";
    String out;
    try {
      Process p =
          new ProcessBuilder(python, "-c", script)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      p.getOutputStream().close();
      try (InputStream in = p.getInputStream()) {
        out = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
      }
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new LibtorchException(what + ": could not run it");
      }
    } catch (IOException e) {
      throw new LibtorchException(what + ": could not run it (" + e.getMessage() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LibtorchException(what + ": interrupted");
    }
    if (out.isEmpty()) {
      throw new LibtorchException(what + ": no torch installed there: " + INSTALL_LINE);
    }
    return LibtorchFolder.read(Path.of(out), what);
  }

  private Path onPath(String program) {
    String path = env.getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, program);
      if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  /** {@code 2.7.1} from the {@code jni_version=2.7.1-0.35.1} of the pytorch-jni jar. */
  private static String jniVersion() {
    try (InputStream in =
        LibtorchSelector.class.getClassLoader().getResourceAsStream("jnilib/pytorch.properties")) {
      if (in == null) {
        throw new IllegalStateException("pytorch-jni is not on the classpath");
      }
      Properties p = new Properties();
      p.load(in);
      String jni = p.getProperty("jni_version", "");
      return jni.substring(0, jni.indexOf('-'));
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("cannot read jnilib/pytorch.properties: " + e, e);
    }
  }
}
