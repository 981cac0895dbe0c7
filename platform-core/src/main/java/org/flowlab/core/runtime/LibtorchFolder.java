package org.flowlab.core.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A libtorch on disk: the {@code torch} folder of a PyPI wheel ({@code version.py} beside {@code
 * lib/}) or an unpacked libtorch archive ({@code build-version} beside {@code lib/}).
 *
 * @param lib the folder holding {@code libtorch.so}
 * @param version the torch version its files state, e.g. {@code 2.7.1+cu126}
 * @param cuda whether it is a CUDA build ({@code libtorch_cuda.so} is there)
 */
record LibtorchFolder(Path lib, String version, boolean cuda) {
  private static final Pattern VERSION_PY =
      Pattern.compile("(?m)^__version__\\s*=\\s*['\"]([^'\"]+)['\"]");

  /** DJL loads every library in the folder; these two cannot load in a plain JVM here. */
  private static final String PYTHON_BINDINGS = "libtorch_python.so";

  private static final String NEEDS_DRIVER = "libcaffe2_nvrtc.so";

  /**
   * Reads the libtorch at {@code given}: the torch (or libtorch) folder or its {@code lib}.
   *
   * @param what how the user named it, for messages (e.g. {@code FLOWLAB_LIBTORCH=/x})
   */
  static LibtorchFolder read(Path given, String what) {
    Path dir = given.toAbsolutePath().normalize();
    Path lib;
    if (Files.isRegularFile(dir.resolve("lib").resolve("libtorch.so"))) {
      lib = dir.resolve("lib");
    } else if (Files.isRegularFile(dir.resolve("libtorch.so"))) {
      lib = dir;
    } else {
      throw new LibtorchException(
          what + ": no libtorch.so in " + dir + " or " + dir.resolve("lib"));
    }
    String version = version(lib.getParent());
    if (version == null) {
      throw new LibtorchException(
          what
              + ": cannot tell the version of the libtorch in "
              + lib
              + " (neither "
              + lib.resolveSibling("version.py")
              + " nor "
              + lib.resolveSibling("build-version")
              + " found)");
    }
    return new LibtorchFolder(lib, version, Files.exists(lib.resolve("libtorch_cuda.so")));
  }

  /**
   * Whether the folder holds its own DJL JNI ({@code libdjl_torch.so}, e.g. from {@code
   * scripts/build-djl-jni}): DJL then loads that instead of the jar's, whatever the version.
   */
  boolean ownJni() {
    return Files.isRegularFile(lib.resolve("libdjl_torch.so"));
  }

  /** The version in {@code version.py} (wheel) or {@code build-version} (archive), else null. */
  private static String version(Path home) {
    try {
      Path py = home.resolve("version.py");
      if (Files.isRegularFile(py)) {
        Matcher m = VERSION_PY.matcher(Files.readString(py, StandardCharsets.UTF_8));
        if (m.find()) {
          return m.group(1);
        }
      }
      Path build = home.resolve("build-version");
      if (Files.isRegularFile(build)) {
        String v = Files.readString(build, StandardCharsets.UTF_8).strip();
        return v.isEmpty() ? null : v;
      }
    } catch (IOException e) {
      return null;
    }
    return null;
  }

  /**
   * A folder of links to the libraries DJL can load here, built once under {@code cacheRoot} and
   * reused: all of {@link #lib} but {@code libtorch_python.so} (needs a Python interpreter in the
   * process) and, without an NVIDIA driver, {@code libcaffe2_nvrtc.so} (needs {@code
   * libcuda.so.1}). The JVM loads a library by its canonical path, so the wheel's {@code
   * $ORIGIN}-relative RPATHs still find the {@code nvidia/*} wheels. Built in a temporary folder
   * and renamed into place.
   */
  Path linkFolder(Path cacheRoot, boolean driver) {
    List<Path> libraries = new ArrayList<>();
    try (Stream<Path> files = Files.list(lib)) {
      files
          .filter(Files::isRegularFile)
          .filter(p -> p.getFileName().toString().matches(".*\\.so(\\.\\d+)*"))
          .filter(p -> !p.getFileName().toString().equals(PYTHON_BINDINGS))
          .filter(p -> driver || !p.getFileName().toString().equals(NEEDS_DRIVER))
          .sorted(Comparator.comparing(p -> p.getFileName().toString()))
          .forEach(libraries::add);
      Path target = cacheRoot.resolve("libtorch-" + hash(libraries));
      if (Files.isRegularFile(target.resolve("libtorch.so"))) {
        return target;
      }
      Files.createDirectories(cacheRoot);
      Path tmp = Files.createTempDirectory(cacheRoot, ".libtorch-");
      for (Path library : libraries) {
        Files.createSymbolicLink(tmp.resolve(library.getFileName()), library.toRealPath());
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
        deleteLinks(tmp); // another JVM made it first
      } catch (IOException e) {
        if (!Files.isRegularFile(target.resolve("libtorch.so"))) {
          throw e;
        }
        deleteLinks(tmp); // a non-empty target: another JVM made it first
      }
      return target;
    } catch (IOException e) {
      throw new LibtorchException(
          "cannot build the folder of links to " + lib + " under " + cacheRoot + ": " + e);
    }
  }

  private static String hash(List<Path> libraries) throws IOException {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (Path library : libraries) {
        digest.update(library.toRealPath().toString().getBytes(StandardCharsets.UTF_8));
        digest.update((byte) '\n');
      }
      return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void deleteLinks(Path dir) throws IOException {
    try (Stream<Path> links = Files.list(dir)) {
      for (Path link : links.toList()) {
        Files.delete(link);
      }
    }
    Files.delete(dir);
  }
}
