package org.flowlab.core.plugins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.flowlab.core.cli.CliProcess;
import org.flowlab.core.runtime.TestTorch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real CLI in a child JVM picks its libtorch at launch: the PyPI wheel {@code torch==2.7.1}
 * (CUDA build) through DJL's cu128 JNI when {@code FLOWLAB_PYTHON} names it, the bundled CPU
 * natives when nothing is named and no driver is here, and a libtorch of another version is refused
 * with exit 2. What loaded is read from the child's own {@code /proc/self/maps} (the {@code
 * flowlab.libtorch.path} tag and doctor's "loaded" line), not from what was asked for. The
 * quickstart trains for a few steps with the realnvp plugin compiled from this repo's sources into
 * a real plugin jar (platform-core's tests run before the plugins are built). Lives here for {@link
 * PluginJars}.
 */
class LibtorchLaunchTest {
  private static final Path REPO = Path.of(System.getProperty("flowlab.repo.root", ".."));

  @TempDir static Path plugins;

  @TempDir Path tmp;

  @BeforeAll
  static void buildRealNvpPlugin() throws IOException {
    Path src = REPO.resolve("plugins/realnvp/src/main/java");
    PluginJars.Builder realnvp = PluginJars.plugin("realnvp");
    try (Stream<Path> files = Files.walk(src)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        String name = src.relativize(f).toString().replace('/', '.').replaceAll("\\.java$", "");
        if (!name.endsWith("package-info")) {
          realnvp.source(name, Files.readString(f));
        }
      }
    }
    realnvp.writeJar(plugins);
  }

  private CliProcess cli(Map<String, String> env) {
    Map<String, String> all = new HashMap<>();
    for (String v :
        List.of("FLOWLAB_LIBTORCH", "FLOWLAB_PYTHON", "PYTORCH_LIBRARY_PATH", "PYTORCH_FLAVOR")) {
      all.put(v, null);
    }
    all.put("FLOWLAB_CACHE", tmp.resolve("cache").toString());
    all.putAll(env);
    return new CliProcess(
        List.of("--plugins-dir", plugins.toString(), "--runs-dir", tmp.resolve("runs").toString()),
        all);
  }

  /** Trains the quickstart for 5 steps on little data; returns the run's tags. */
  private JsonNode trainQuickstart(CliProcess cli) throws Exception {
    CliProcess.Result r =
        cli.run(
            tmp.resolve("log-run"),
            "run",
            REPO.resolve("experiments/quickstart.yaml").toString(),
            "training.steps=5",
            "training.validate_every=5",
            "training.checkpoint_every=5",
            "training.schedule.warmup_steps=1",
            "data.train_size=1000",
            "data.val_size=200",
            "data.test_size=200",
            "evaluation.samples=100",
            "evaluation.plots=false");
    assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
    try (Stream<Path> runs = Files.list(tmp.resolve("runs"))) {
      Path run = runs.filter(Files::isDirectory).findFirst().orElseThrow();
      return new ObjectMapper().readTree(run.resolve("tags.json").toFile());
    }
  }

  /** The value of doctor's line {@code key} (its first column). */
  private static String doctorLine(String stdout, String key) {
    return stdout
        .lines()
        .filter(l -> l.startsWith(key + " "))
        .map(l -> l.substring(key.length()).strip())
        .findFirst()
        .orElseThrow(() -> new AssertionError("no '" + key + "' line in:\n" + stdout));
  }

  @Test
  void theTorchWheelOfFlowlabPythonLoadsThroughTheCu128Jni() throws Exception {
    Path python = TestTorch.python();
    Path lib = TestTorch.libFolder(python);
    CliProcess cli = cli(Map.of("FLOWLAB_PYTHON", python.toString()));

    CliProcess.Result doctor = cli.run(tmp.resolve("log-doctor"), "doctor");
    assertEquals(0, doctor.exitCode(), doctor.stdout() + doctor.stderr());
    assertTrue(doctorLine(doctor.stdout(), "libtorch").endsWith(" from " + lib), doctor.stdout());
    assertEquals(
        lib.resolve("libtorch_cpu.so").toString(), doctorLine(doctor.stdout(), "  loaded"));
    assertTrue(doctorLine(doctor.stdout(), "JNI").startsWith("cu128 ("), doctor.stdout());

    JsonNode tags = trainQuickstart(cli);
    assertEquals("FLOWLAB_PYTHON", tags.get("flowlab.libtorch.source").asText());
    assertEquals(lib.toString(), tags.get("flowlab.libtorch.path").asText());
    assertEquals("cu128", tags.get("flowlab.libtorch.flavor").asText());
    assertTrue(tags.get("flowlab.libtorch.version").asText().startsWith("2.7."), tags.toString());
  }

  @Test
  void withNothingNamedAndNoDriverTheBundledCpuNativesLoad() throws Exception {
    // No python3 on the PATH: on a machine with a driver this is the bundled fallback too.
    Path emptyBin = Files.createDirectories(tmp.resolve("emptybin"));
    CliProcess cli = cli(Map.of("PATH", emptyBin.toString()));

    CliProcess.Result doctor = cli.run(tmp.resolve("log-doctor"), "doctor");
    assertEquals(0, doctor.exitCode(), doctor.stdout() + doctor.stderr());
    assertTrue(
        doctorLine(doctor.stdout(), "libtorch").contains("bundled CPU natives"), doctor.stdout());
    String loaded = doctorLine(doctor.stdout(), "  loaded");
    assertTrue(loaded.contains("/pytorch/") && loaded.contains("-cpu-"), loaded);
    assertTrue(doctorLine(doctor.stdout(), "JNI").startsWith("cpu ("), doctor.stdout());

    JsonNode tags = trainQuickstart(cli);
    assertEquals("bundled", tags.get("flowlab.libtorch.source").asText());
    assertEquals(
        Path.of(loaded).getParent().toString(), tags.get("flowlab.libtorch.path").asText());
    assertEquals("cpu", tags.get("flowlab.libtorch.flavor").asText());
  }

  @Test
  void aLibtorchOfAnotherVersionIsRefusedWithExitTwo() throws Exception {
    // No other libtorch is on this machine: a wheel-like folder that states 2.6.0 stands in.
    Path torch = Files.createDirectories(tmp.resolve("old/torch/lib")).getParent();
    Files.writeString(torch.resolve("version.py"), "__version__ = '2.6.0+cu124'\n");
    Files.writeString(torch.resolve("lib/libtorch.so"), "");
    CliProcess.Result r =
        cli(Map.of("FLOWLAB_LIBTORCH", torch.toString()))
            .run(
                tmp.resolve("log"),
                "validate",
                REPO.resolve("experiments/quickstart.yaml").toString());
    assertEquals(2, r.exitCode(), r.stderr());
    assertEquals(
        "error: FLOWLAB_LIBTORCH="
            + torch
            + ": libtorch 2.6.0+cu124 found, Flowlab needs 2.7.x (DJL's JNI is built for 2.7.1):"
            + " pip install torch==2.7.1, or build a JNI for it with scripts/build-djl-jni",
        r.stderr().strip());
  }
}
