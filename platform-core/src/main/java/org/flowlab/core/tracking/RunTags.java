package org.flowlab.core.tracking;

import ai.djl.engine.Engine;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.flowlab.core.runtime.Libtorch;
import org.flowlab.core.runtime.LibtorchRuntime;
import org.flowlab.core.runtime.LoadedNatives;

/**
 * Provenance tags for a run: git commit and dirty flag, JVM, OS, DJL version and engine, the
 * libtorch loaded (where from and why), host name. Anything that cannot be determined is {@code
 * "unknown"}; collecting never fails.
 */
public final class RunTags {
  /** Git commit of the working directory ({@code git rev-parse HEAD}). */
  public static final String GIT_COMMIT = "flowlab.git.commit";

  /** "true" when the git working tree has uncommitted changes. */
  public static final String GIT_DIRTY = "flowlab.git.dirty";

  /** JVM version and vendor. */
  public static final String JVM = "flowlab.jvm";

  /** OS name, version and architecture. */
  public static final String OS = "flowlab.os";

  /** DJL version. */
  public static final String DJL_VERSION = "flowlab.djl.version";

  /** DJL engine name and version, e.g. {@code PyTorch 2.7.1}. */
  public static final String ENGINE = "flowlab.engine";

  /** Where the libtorch came from: {@code FLOWLAB_PYTHON}, {@code bundled}... */
  public static final String LIBTORCH_SOURCE = "flowlab.libtorch.source";

  /** The folder of the loaded {@code libtorch_cpu.so} (as mapped by the process). */
  public static final String LIBTORCH_PATH = "flowlab.libtorch.path";

  /** The torch version of the loaded libtorch, e.g. {@code 2.7.1+cu126}. */
  public static final String LIBTORCH_VERSION = "flowlab.libtorch.version";

  /** The DJL JNI flavour it loaded through: {@code cu128} or {@code cpu}. */
  public static final String LIBTORCH_FLAVOR = "flowlab.libtorch.flavor";

  /** Why that libtorch, one line. */
  public static final String LIBTORCH_REASON = "flowlab.libtorch.reason";

  /** Host name. */
  public static final String HOST = "flowlab.host";

  /** The value used when something cannot be determined. */
  public static final String UNKNOWN = "unknown";

  private RunTags() {}

  /**
   * Collects all provenance tags.
   *
   * @param workDir the folder whose git state is recorded (usually the working directory)
   */
  public static Map<String, String> collect(Path workDir) {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.putAll(git(workDir));
    tags.putAll(system());
    tags.putAll(djl());
    tags.putAll(libtorch());
    return tags;
  }

  /** {@link #GIT_COMMIT} and {@link #GIT_DIRTY} for {@code dir}; "unknown" outside a git repo. */
  public static Map<String, String> git(Path dir) {
    Map<String, String> tags = new LinkedHashMap<>();
    String commit = run(dir, "git", "rev-parse", "HEAD");
    if (commit == null || !commit.matches("[0-9a-f]{40,64}")) {
      tags.put(GIT_COMMIT, UNKNOWN);
      tags.put(GIT_DIRTY, UNKNOWN);
      return tags;
    }
    tags.put(GIT_COMMIT, commit);
    String status = run(dir, "git", "status", "--porcelain");
    tags.put(GIT_DIRTY, status == null ? UNKNOWN : String.valueOf(!status.isEmpty()));
    return tags;
  }

  /** {@link #JVM}, {@link #OS} and {@link #HOST}. */
  public static Map<String, String> system() {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put(
        JVM,
        System.getProperty("java.version", UNKNOWN)
            + " ("
            + System.getProperty("java.vendor", UNKNOWN)
            + ")");
    tags.put(
        OS,
        System.getProperty("os.name", UNKNOWN)
            + " "
            + System.getProperty("os.version", "")
            + " "
            + System.getProperty("os.arch", ""));
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (IOException | RuntimeException e) {
      host = System.getenv().getOrDefault("HOSTNAME", UNKNOWN);
    }
    tags.put(HOST, host);
    return tags;
  }

  /** {@link #DJL_VERSION} and {@link #ENGINE} (loads the default DJL engine). */
  public static Map<String, String> djl() {
    Map<String, String> tags = new LinkedHashMap<>();
    String djl;
    try {
      djl = Engine.getDjlVersion();
    } catch (RuntimeException | LinkageError e) {
      djl = UNKNOWN;
    }
    tags.put(DJL_VERSION, djl == null ? UNKNOWN : djl);
    String engine;
    try {
      Engine e = Engine.getInstance();
      engine = e.getEngineName() + " " + e.getVersion();
    } catch (RuntimeException | LinkageError e) {
      engine = UNKNOWN;
    }
    tags.put(ENGINE, engine);
    return tags;
  }

  /**
   * The {@code flowlab.libtorch.*} tags: the choice made at launch, with path and flavour read from
   * what the process has mapped. The first call in a JVM also prints where libtorch came from. Call
   * after {@link #djl()} (which loads the engine).
   */
  public static Map<String, String> libtorch() {
    Map<String, String> tags = new LinkedHashMap<>();
    try {
      Libtorch chosen = LibtorchRuntime.current();
      LoadedNatives loaded = LoadedNatives.ofThisProcess();
      tags.put(LIBTORCH_SOURCE, chosen.source());
      Path folder = loaded.libtorch() != null ? loaded.libtorch().getParent() : chosen.folder();
      tags.put(LIBTORCH_PATH, folder == null ? UNKNOWN : folder.toString());
      tags.put(LIBTORCH_VERSION, chosen.version());
      String flavor = loaded.jniFlavor();
      tags.put(LIBTORCH_FLAVOR, flavor != null ? flavor : chosen.flavor());
      tags.put(LIBTORCH_REASON, chosen.reason());
      LibtorchRuntime.announceOnce(System.err);
    } catch (RuntimeException | LinkageError e) {
      tags.putIfAbsent(LIBTORCH_SOURCE, UNKNOWN);
    }
    return tags;
  }

  /** Runs a command in {@code dir}; its trimmed stdout, or null when it fails. */
  private static String run(Path dir, String... command) {
    try {
      Process p =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      p.getOutputStream().close();
      String out;
      try (InputStream in = p.getInputStream()) {
        out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return null;
      }
      return p.exitValue() == 0 ? out.trim() : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
