package org.flowlab.core.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The order of {@link LibtorchSelector} and the folder of links it builds. Folders laid out like a
 * wheel's {@code torch/} stand in for libtorch here (selection reads files; nothing is loaded);
 * {@code LibtorchLaunchTest} loads the real ones.
 */
class LibtorchSelectorTest {
  @TempDir Path tmp;

  private static final String DRIVER = "/proc/driver/nvidia/version (test)";

  /** A wheel-like {@code torch/} folder stating {@code version}, with these libraries. */
  private Path torch(String name, String version, String... libraries) throws IOException {
    Path torch = Files.createDirectories(tmp.resolve(name).resolve("torch"));
    Path lib = Files.createDirectories(torch.resolve("lib"));
    Files.writeString(
        torch.resolve("version.py"), "__version__ = '" + version + "'\ncuda = None\n");
    Files.writeString(lib.resolve("libtorch.so"), "");
    for (String l : libraries) {
      Files.writeString(lib.resolve(l), "");
    }
    return torch;
  }

  private LibtorchSelector selector(Map<String, String> env, String driver) {
    return new LibtorchSelector(env, driver, tmp.resolve("cache"));
  }

  @Test
  void withoutDriverOrNameTheBundledNativesLoad() {
    Libtorch t = selector(Map.of("PATH", "/usr/bin:/bin"), null).select(null);
    assertTrue(t.bundled());
    assertNull(t.loadFolder());
    assertEquals("cpu", t.flavor());
    assertTrue(t.reason().contains("no NVIDIA driver"), t.reason());
  }

  @Test
  void theOptionWinsOverTheEnvironmentAndTheFolderBeatsThePython() throws IOException {
    Path a = torch("a", "2.7.1+cu126", "libtorch_cuda.so");
    Path b = torch("b", "2.7.1+cpu");
    Map<String, String> env = new HashMap<>();
    env.put("FLOWLAB_LIBTORCH", b.toString());
    env.put("FLOWLAB_PYTHON", "/nonexistent/python");
    Libtorch byOption = selector(env, null).select(a);
    assertEquals("--libtorch", byOption.source());
    assertEquals(a.resolve("lib"), byOption.folder());
    assertEquals("cu128", byOption.flavor());
    assertEquals("2.7.1+cu126", byOption.version());
    Libtorch byEnv = selector(env, null).select(null);
    assertEquals("FLOWLAB_LIBTORCH", byEnv.source());
    assertEquals(b.resolve("lib"), byEnv.folder());
    assertEquals("cpu", byEnv.flavor());
    env.remove("FLOWLAB_LIBTORCH");
    LibtorchException noPython =
        assertThrows(LibtorchException.class, () -> selector(env, null).select(null));
    assertTrue(
        noPython.getMessage().startsWith("FLOWLAB_PYTHON=/nonexistent/python: "),
        noPython.getMessage());
  }

  @Test
  void anotherVersionIsRefusedNamingBothVersions() throws IOException {
    Path old = torch("old", "2.6.0+cu124");
    LibtorchException e =
        assertThrows(
            LibtorchException.class,
            () -> selector(Map.of("FLOWLAB_LIBTORCH", old.toString()), null).select(null));
    assertTrue(e.getMessage().contains("libtorch 2.6.0+cu124 found"), e.getMessage());
    assertTrue(e.getMessage().contains("needs 2.7.x"), e.getMessage());
    assertTrue(e.getMessage().contains("pip install torch==2.7.1"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));

    Path unknown = Files.createDirectories(tmp.resolve("unknown/lib"));
    Files.writeString(unknown.resolve("libtorch.so"), "");
    LibtorchException noVersion =
        assertThrows(LibtorchException.class, () -> selector(Map.of(), null).select(unknown));
    assertTrue(noVersion.getMessage().contains("cannot tell the version"), noVersion.getMessage());
  }

  @Test
  void anotherVersionWithItsOwnJniIsAccepted() throws IOException {
    Path torch = torch("new", "2.11.0+cu128", "libtorch_cuda.so", "libdjl_torch.so");
    Libtorch t = selector(Map.of("FLOWLAB_LIBTORCH", torch.toString()), null).select(null);
    assertEquals("2.11.0+cu128", t.version());
    assertTrue(t.reason().endsWith("with its own DJL JNI (libdjl_torch.so)"), t.reason());
    assertTrue(Files.exists(t.loadFolder().resolve("libdjl_torch.so")), "DJL finds the JNI there");
  }

  @Test
  void theFolderOfLinksLeavesOutWhatCannotLoadAndIsBuiltOnce() throws IOException {
    Path torch =
        torch(
            "w",
            "2.7.1+cu126",
            "libtorch_cuda.so",
            "libc10.so",
            "libgomp.so.1",
            "libtorch_python.so",
            "libcaffe2_nvrtc.so",
            "notes.txt");
    Libtorch noDriver = selector(Map.of(), null).select(torch);
    assertEquals(
        List.of("libc10.so", "libgomp.so.1", "libtorch.so", "libtorch_cuda.so"),
        names(noDriver.loadFolder()));
    for (String name : names(noDriver.loadFolder())) {
      Path link = noDriver.loadFolder().resolve(name);
      assertTrue(Files.isSymbolicLink(link));
      assertEquals(torch.resolve("lib").resolve(name).toRealPath(), link.toRealPath());
    }
    Libtorch withDriver = selector(Map.of(), DRIVER).select(torch);
    assertTrue(names(withDriver.loadFolder()).contains("libcaffe2_nvrtc.so"));
    assertEquals(noDriver.loadFolder(), selector(Map.of(), null).select(torch).loadFolder());
    try (Stream<Path> cache = Files.list(tmp.resolve("cache"))) {
      assertEquals(2, cache.count(), "two folders, no temporary ones left");
    }
  }

  @Test
  void aDriverWithoutACudaTorchOnThePathWarnsWithTheInstallLine() throws IOException {
    Path bin = Files.createDirectories(tmp.resolve("emptybin"));
    LibtorchSelector s = selector(Map.of("PATH", bin.toString()), DRIVER);
    Libtorch t = s.select(null);
    assertTrue(t.bundled());
    assertTrue(s.warning().contains("pip install torch==2.7.1"), s.warning());
    assertTrue(s.warning().startsWith("warning: an NVIDIA driver is here"), s.warning());
  }

  @Test
  void aDriverAndACudaTorchInPython3OnThePathTakeThatTorch() throws Exception {
    Path python = TestTorch.python();
    Path bin = python.getParent();
    Map<String, String> env = Map.of("PATH", bin.toString());
    Libtorch t = selector(env, DRIVER).select(null);
    assertEquals("python3 on PATH", t.source(), t.reason());
    assertEquals(TestTorch.libFolder(python), t.folder().toRealPath());
    assertEquals("cu128", t.flavor());
    assertTrue(t.version().startsWith("2.7."), t.version());
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
