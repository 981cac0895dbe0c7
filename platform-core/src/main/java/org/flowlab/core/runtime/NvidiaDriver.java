package org.flowlab.core.runtime;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Whether an NVIDIA driver is installed: the kernel module's version file or {@code libcuda.so.1}.
 */
public final class NvidiaDriver {
  private static final List<String> LIBRARY_DIRS =
      List.of(
          "/usr/lib/x86_64-linux-gnu",
          "/usr/lib/aarch64-linux-gnu",
          "/usr/lib64",
          "/usr/lib",
          "/usr/local/cuda/compat",
          "/usr/local/nvidia/lib64",
          "/usr/lib/wsl/lib");

  private NvidiaDriver() {}

  /**
   * Where the driver was seen ({@code /proc/driver/nvidia/version} or the path of {@code
   * libcuda.so.1}), or null when it was not.
   */
  public static String find(Map<String, String> env) {
    Path version = Path.of("/proc/driver/nvidia/version");
    if (Files.isReadable(version)) {
      return version.toString();
    }
    List<String> dirs = new ArrayList<>();
    String ld = env.get("LD_LIBRARY_PATH");
    if (ld != null) {
      dirs.addAll(List.of(ld.split(File.pathSeparator)));
    }
    dirs.addAll(LIBRARY_DIRS);
    for (String dir : dirs) {
      if (!dir.isEmpty() && Files.exists(Path.of(dir, "libcuda.so.1"))) {
        return Path.of(dir, "libcuda.so.1").toString();
      }
    }
    return null;
  }
}
