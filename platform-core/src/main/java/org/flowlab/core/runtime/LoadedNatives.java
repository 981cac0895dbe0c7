package org.flowlab.core.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The native files this process has actually mapped, read from {@code /proc/self/maps} (Linux): the
 * proof of which libtorch and which DJL JNI loaded, whatever was asked for.
 *
 * @param libtorch the mapped {@code libtorch_cpu.so}, null when none is (or not on Linux)
 * @param jni the mapped DJL JNI {@code libdjl_torch.so}, null when none is
 */
public record LoadedNatives(Path libtorch, Path jni) {
  /** Reads this process's maps; call after DJL's engine has loaded. */
  public static LoadedNatives ofThisProcess() {
    List<String> lines;
    try {
      lines = Files.readAllLines(Path.of("/proc/self/maps"));
    } catch (IOException | RuntimeException e) {
      return new LoadedNatives(null, null);
    }
    return new LoadedNatives(find(lines, "/libtorch_cpu.so"), find(lines, "libdjl_torch.so"));
  }

  private static Path find(List<String> lines, String suffix) {
    for (String line : lines) {
      int slash = line.indexOf('/');
      if (slash >= 0 && line.endsWith(suffix)) {
        return Path.of(line.substring(slash));
      }
    }
    return null;
  }

  /**
   * The JNI flavour from the folder DJL extracted it to ({@code 2.7.1-cu128-linux-x86_64}, {@code
   * 2.7.1-20250812-cpu-linux-x86_64}), e.g. {@code cu128} or {@code cpu}; null when unknown.
   */
  public String jniFlavor() {
    if (jni == null || jni.getParent() == null) {
      return null;
    }
    for (String part : jni.getParent().getFileName().toString().split("-")) {
      if (part.matches("cpu|cu\\d+")) {
        return part;
      }
    }
    return null;
  }
}
