package org.flowlab.core.config;

import static org.flowlab.core.config.ConfigLoaderErrorsTest.resource;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.flowlab.core.config.ExperimentConfig.TrainingConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Good configs: defaults, overrides, resolved YAML, hash and family params. */
class ConfigLoaderTest {

  @Test
  void fillsDefaultsForKeysNotGiven() throws Exception {
    ExperimentConfig c = ConfigLoader.load(resource("good-yaml/minimal.yaml")).config();
    assertEquals("minimal", c.name());
    assertEquals(0L, c.seed());
    assertEquals("moons", c.data().name());
    // Split sizes default per dataset (50,000 drawn for a toy density, all of a file): null here.
    assertNull(c.data().trainSize());
    assertEquals(8, c.data().nBits());
    assertNull(c.data().logitAlpha());
    assertEquals(List.of(0.0, 0.7, 1.0), c.evaluation().temperatures());
    TrainingConfig t = c.training();
    assertEquals("auto", t.device());
    assertEquals(256, t.batchSize());
    assertEquals(1000L, t.steps());
    assertNull(t.epochs());
    assertEquals(1e-3, t.optimizer().lr());
    assertEquals(List.of(0.9, 0.999), t.optimizer().betas());
    assertEquals("cosine", t.schedule().kind());
    assertEquals(2000, c.evaluation().samples());
    assertNull(c.tracking().uri());
    assertEquals("minimal", c.tracking().experiment(), "tracking.experiment defaults to the name");
    assertTrue(c.model().params().isObject() && c.model().params().isEmpty());
  }

  @Test
  void readsEveryValueWritten() throws Exception {
    ExperimentConfig c = ConfigLoader.load(resource("good-yaml/quickstart.yaml")).config();
    assertEquals(7L, c.seed());
    assertEquals(2000, c.data().trainSize());
    assertEquals("cpu", c.training().device());
    assertEquals(128, c.training().batchSize());
    assertEquals(3e-4, c.training().optimizer().lr(), "unquoted 3e-4 is a number");
    assertEquals(List.of(0.9, 0.99), c.training().optimizer().betas());
    assertEquals(20L, c.training().schedule().warmupSteps());
    assertEquals(Boolean.FALSE, c.evaluation().plots());
    assertEquals(4, c.model().params().get("layers").asInt());
  }

  @Test
  void overridesReplaceValuesAndAddKeys() throws Exception {
    LoadedConfig loaded =
        ConfigLoader.load(
            resource("good-yaml/quickstart.yaml"),
            List.of(
                "training.optimizer.lr=1e-2",
                "model.params.hidden=[64,64,64]",
                "seed=3",
                "data.name=checkerboard",
                "training.steps=null",
                "training.epochs=2",
                "tracking.uri=http://localhost:5000"));
    ExperimentConfig c = loaded.config();
    assertEquals(1e-2, c.training().optimizer().lr());
    assertEquals(3L, c.seed());
    assertEquals("checkerboard", c.data().name());
    assertNull(c.training().steps());
    assertEquals(2, c.training().epochs());
    assertEquals("http://localhost:5000", c.tracking().uri());
    assertEquals(3, c.model().params().get("hidden").size());
    // untouched values stay as written
    assertEquals(128, c.training().batchSize());
  }

  @Test
  void hashIgnoresKeyOrderAndLayoutButNotValues() throws Exception {
    LoadedConfig a = ConfigLoader.load(resource("good-yaml/quickstart.yaml"));
    LoadedConfig b = ConfigLoader.load(resource("good-yaml/quickstart-reordered.yaml"));
    assertEquals(a.config(), b.config());
    assertEquals(a.configHash(), b.configHash());
    assertTrue(a.configHash().matches("[0-9a-f]{64}"));
    LoadedConfig c =
        ConfigLoader.load(
            resource("good-yaml/quickstart.yaml"), List.of("training.optimizer.lr=3.1e-4"));
    assertNotEquals(a.configHash(), c.configHash());
    // writing a default explicitly changes nothing
    LoadedConfig d =
        ConfigLoader.load(resource("good-yaml/quickstart.yaml"), List.of("training.grad_clip=10"));
    assertEquals(a.configHash(), d.configHash());
  }

  @Test
  void theDefaultPrecisionKeepsTheHashOfConfigsWrittenBeforeTheKeyExisted() throws Exception {
    LoadedConfig a = ConfigLoader.load(resource("good-yaml/quickstart.yaml"));
    LoadedConfig f32 =
        ConfigLoader.load(
            resource("good-yaml/quickstart.yaml"), List.of("training.precision=float32"));
    LoadedConfig bf16 =
        ConfigLoader.load(
            resource("good-yaml/quickstart.yaml"), List.of("training.precision=bfloat16"));
    assertEquals("float32", a.config().training().precision());
    assertEquals(a.configHash(), f32.configHash());
    assertFalse(a.resolvedYaml().contains("precision"), a.resolvedYaml());
    assertNotEquals(a.configHash(), bf16.configHash());
    assertTrue(bf16.resolvedYaml().contains("precision: bfloat16"), bf16.resolvedYaml());
    assertEquals("bfloat16", bf16.flatParams().get("training.precision"));
  }

  @Test
  void resolvedYamlLoadsBackToAnEqualConfig(@TempDir Path dir) throws Exception {
    LoadedConfig a = ConfigLoader.load(resource("good-yaml/quickstart.yaml"), List.of("seed=11"));
    String yaml = a.resolvedYaml();
    assertTrue(yaml.contains("grad_clip: 10.0"), yaml);
    Path copy = Files.writeString(dir.resolve("resolved.yaml"), yaml);
    LoadedConfig b = ConfigLoader.load(copy);
    assertEquals(a.config(), b.config());
    assertEquals(a.configHash(), b.configHash());
    assertEquals(yaml, b.resolvedYaml());
  }

  @Test
  void bindsFamilyParamsWithDefaultsAndShowsThemResolved(@TempDir Path dir) throws Exception {
    LoadedConfig loaded = ConfigLoader.load(resource("good-yaml/quickstart.yaml"));
    String before = loaded.configHash();
    TestParams p = loaded.bindParams(TestParams.class);
    assertEquals(new TestParams(List.of(32, 32), 4, "relu", 1.0), p);
    assertTrue(loaded.resolvedYaml().contains("activation: relu"), loaded.resolvedYaml());
    assertEquals("relu", loaded.config().model().params().get("activation").asText());
    assertNotEquals(before, loaded.configHash(), "resolved params are part of the hash");
    // the resolved YAML, params included, loads and binds back to the same values
    Path copy = Files.writeString(dir.resolve("resolved.yaml"), loaded.resolvedYaml());
    LoadedConfig again = ConfigLoader.load(copy);
    assertEquals(p, again.bindParams(TestParams.class));
    assertEquals(loaded.configHash(), again.configHash());
  }

  @Test
  void absentOrNullParamsBindToAllDefaults() throws Exception {
    TestParams expected = new TestParams(null, null, null, null);
    LoadedConfig absent = ConfigLoader.load(resource("good-yaml/minimal.yaml"));
    assertEquals(expected, absent.bindParams(TestParams.class));
    LoadedConfig nulled =
        ConfigLoader.load(resource("good-yaml/minimal.yaml"), List.of("model.params=~"));
    assertEquals(expected, nulled.bindParams(TestParams.class));
  }

  @Test
  void overriddenParamsAreCheckedWhenBound() throws Exception {
    LoadedConfig loaded =
        ConfigLoader.load(resource("good-yaml/minimal.yaml"), List.of("model.params.layers=0"));
    ConfigException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ConfigException.class, () -> loaded.bindParams(TestParams.class));
    assertEquals(
        "command line override 'model.params.layers=0': model.params.layers: must be >= 1, got 0",
        e.getMessage());
  }

  @Test
  void parsesTextWithASourceName() {
    LoadedConfig loaded =
        ConfigLoader.parse(
            "name: s\ndata: {name: moons}\nmodel: {family: nice}\n", "sweep[3]", List.of());
    assertEquals("nice", loaded.config().model().family());
    ConfigException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ConfigException.class,
            () -> ConfigLoader.parse("name: s\nseed: x\n", "sweep[4]", List.of()));
    assertEquals("sweep[4]:2:1: seed: expected a whole number, got a string 'x'", e.getMessage());
  }
}
