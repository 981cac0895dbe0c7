package org.flowlab.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every bad input gives one located line. Each file under {@code bad-yaml/} and {@code bad-params/}
 * holds one mistake and states, in its first line, the expected {@code line:column: key: problem
 * fragment} ({@code -} for no key).
 */
class ConfigLoaderErrorsTest {
  private static final Pattern EXPECT = Pattern.compile("# expect: (\\d+):(\\d+): (\\S+): (.+)");

  static Stream<Path> badYaml() throws IOException, URISyntaxException {
    return corpus("bad-yaml");
  }

  static Stream<Path> badParams() throws IOException, URISyntaxException {
    return corpus("bad-params");
  }

  private static Stream<Path> corpus(String folder) throws IOException, URISyntaxException {
    Path dir = Path.of(ConfigLoaderErrorsTest.class.getResource("/" + folder).toURI());
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    return files.stream();
  }

  @Test
  void corpusIsLargeEnough() throws Exception {
    assertTrue(badYaml().count() >= 18);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badYaml")
  void badFileGivesLocatedMessage(Path file) throws IOException {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file));
    assertLocated(file, e);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badParams")
  void badParamsGiveLocatedMessage(Path file) throws IOException {
    LoadedConfig loaded = ConfigLoader.load(file);
    ConfigException e =
        assertThrows(ConfigException.class, () -> loaded.bindParams(TestParams.class));
    assertLocated(file, e);
  }

  private static void assertLocated(Path file, ConfigException e) throws IOException {
    String first = Files.readAllLines(file).stream().findFirst().orElseThrow();
    Matcher m = EXPECT.matcher(first);
    assertTrue(m.matches(), "first line of " + file + " states no expectation: " + first);
    String key = m.group(3).equals("-") ? "" : m.group(3);
    String prefix =
        file + ":" + m.group(1) + ":" + m.group(2) + ": " + (key.isEmpty() ? "" : key + ": ");
    String message = e.getMessage();
    assertFalse(message.contains("\n"), "message spans lines: " + message);
    assertTrue(message.startsWith(prefix), "expected prefix '" + prefix + "' in: " + message);
    assertTrue(
        message.substring(prefix.length()).contains(m.group(4).strip()),
        "expected '" + m.group(4).strip() + "' in: " + message);
    assertEquals(key, e.key());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "training.optimzer.lr=3e-4 | training.optimzer | unknown key 'optimzer' in training (did you mean 'optimizer'?)",
        "trainig.steps=5           | trainig           | unknown key 'trainig' at the top level (did you mean 'training'?)",
        "training.batch_size=abc   | training.batch_size | expected a whole number, got a string 'abc'",
        "training.batch_size=3.5   | training.batch_size | expected a whole number, got 3.5",
        "training.batch_size=0     | training.batch_size | must be >= 1, got 0",
        "training.optimizer.lr=0   | training.optimizer.lr | must be a positive number",
        "training.optimizer.lr='1e-3' | training.optimizer.lr | expected a number, got a string '1e-3'",
        "training.optimizer.betas=[0.9] | training.optimizer.betas | must hold two numbers, got 1",
        "training.optimizer.betas=0.9 | training.optimizer.betas | expected a list, got a number 0.9",
        "training.device=tpu       | training.device   | got 'tpu'",
        "training.precision=half   | training.precision | must be one of [float32, bfloat16, float16], got 'half'",
        "training.schedule.kind=step | training.schedule.kind | must be one of [cosine, constant]",
        "data.name=                | data.name         | no value after '='",
        "training.log_every=       | training.log_every | no value after '='",
        "tracking.uri=ftp://x      | tracking.uri      | 'ftp://x' is neither an MLflow server",
        "tracking.uri=HTTP:127.0.0.1:5000 | tracking.uri | is neither an MLflow server",
        "name.first=x              | name              | holds a string 'minimal', not a mapping",
        "model.params=[1, 2]       | model.params      | must be a mapping",
        "model.params.hidden=[64,64 | model.params.hidden | cannot read the value: YAML syntax error",
        "training.epochs=3         | training.steps    | give steps or epochs, not both",
        "seed                      | -                 | expected dotted.key=value",
        "training..lr=1            | -                 | empty key segment",
      })
  void badOverrideGivesLocatedMessage(String override, String key, String fragment)
      throws Exception {
    Path file = resource("good-yaml/minimal.yaml");
    List<String> overrides =
        key.equals("training.steps") ? List.of("training.steps=10", override) : List.of(override);
    ConfigException e =
        assertThrows(ConfigException.class, () -> ConfigLoader.load(file, overrides));
    String where =
        "command line override '"
            + (key.equals("training.steps") ? "training.steps=10" : override)
            + "'";
    String prefix = where + ": " + (key.equals("-") ? "" : key + ": ");
    assertTrue(
        e.getMessage().startsWith(prefix),
        "expected prefix '" + prefix + "' in: " + e.getMessage());
    assertTrue(
        e.getMessage().contains(fragment), "expected '" + fragment + "' in: " + e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
  }

  @Test
  void missingFileIsNamed(@TempDir Path dir) {
    Path missing = dir.resolve("nope.yaml");
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(missing));
    assertEquals(missing + ": file not found", e.getMessage());
  }

  @Test
  void directoryIsNotAConfig(@TempDir Path dir) {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(dir));
    assertEquals(dir + ": is a directory, not a YAML file", e.getMessage());
  }

  @Test
  void unreadableFileIsNamed(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("secret.yaml"), "name: a\n");
    assertTrue(file.toFile().setReadable(false));
    // as root, permissions are not enforced and there is nothing to observe
    assumeFalse(Files.isReadable(file), "running as root");
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file));
    assertTrue(e.getMessage().startsWith(file + ": cannot read"), e.getMessage());
  }

  @Test
  void unknownFamilyNamesInstalledAndClosest() throws Exception {
    Path file = resource("good-yaml/minimal.yaml");
    LoadedConfig loaded = ConfigLoader.load(file, List.of("model.family=realnvpp"));
    ConfigException e = loaded.unknownFamily(List.of("realnvp", "nice"));
    assertEquals(
        "command line override 'model.family=realnvpp': model.family: unknown family 'realnvpp'"
            + " (installed: nice, realnvp); did you mean 'realnvp'?",
        e.getMessage());
    LoadedConfig fromFile = ConfigLoader.load(file);
    ConfigException far = fromFile.unknownFamily(List.of("glow", "nice"));
    assertEquals(
        file + ":5:3: model.family: unknown family 'realnvp' (installed: glow, nice)",
        far.getMessage());
  }

  @Test
  void invalidValueIsLocatedAtTheKeyOrItsParent() throws Exception {
    Path file = resource("good-yaml/minimal.yaml");
    LoadedConfig loaded = ConfigLoader.load(file);
    assertEquals(
        file + ":3:3: data.name: unknown dataset 'moons'",
        loaded.invalidValue("data.name", "unknown dataset 'moons'").getMessage());
    // data.train_size is not written in the file: the message points at its parent, data.
    assertEquals(
        file + ":2:1: data.train_size: too large for this machine",
        loaded.invalidValue("data.train_size", "too large for this machine").getMessage());
  }

  static Path resource(String name) throws URISyntaxException {
    return Path.of(ConfigLoaderErrorsTest.class.getResource("/" + name).toURI());
  }
}
