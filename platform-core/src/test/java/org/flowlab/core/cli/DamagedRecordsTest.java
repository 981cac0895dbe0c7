package org.flowlab.core.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.flowlab.core.tracking.LocalRun;
import org.flowlab.core.tracking.LocalRunStore;
import org.flowlab.registry.ModelCard;
import org.flowlab.registry.ModelStore;
import org.flowlab.registry.Parity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Listing commands skip a damaged record with one warning naming its file, and go on. */
class DamagedRecordsTest {
  @TempDir Path tmp;

  @Test
  void runsSkipsTornMetaAndTags() throws Exception {
    LocalRunStore store = new LocalRunStore(tmp.resolve("runs"));
    String good = finishedRun(store, "good");
    String tornMeta = finishedRun(store, "torn-meta");
    String tornTags = finishedRun(store, "torn-tags");
    truncate(store.runDir(tornMeta).resolve("meta.json"));
    truncate(store.runDir(tornTags).resolve("tags.json"));
    Files.createDirectories(store.root().resolve("99999999999"));

    Cli.Result r = Cli.run("--runs-dir", store.root().toString(), "runs");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains(good), r.out());
    assertFalse(r.out().contains(tornMeta) || r.out().contains(tornTags), r.out());
    List<String> warnings = r.err().lines().filter(l -> l.startsWith("warning: skipped")).toList();
    assertEquals(2, warnings.size(), r.err());
    assertTrue(warnings.stream().anyMatch(w -> w.contains(tornMeta + "/meta.json")), r.err());
    assertTrue(warnings.stream().anyMatch(w -> w.contains(tornTags + "/tags.json")), r.err());
  }

  @Test
  void modelsSkipsTornAndEmptyCardsAndStrayFolders() throws Exception {
    ModelStore models = new ModelStore(tmp.resolve("models"));
    card(models, "good", 1, null);
    card(models, "good", 2, "{\n  \"name\": \"good\",\n  \"vers");
    card(models, "empty", 1, "{}");
    Files.createDirectories(models.root().resolve("good").resolve("99999999999"));
    Files.createDirectories(models.root().resolve("99999999999"));

    Cli.Result r = Cli.run("models", "--models-dir", models.root().toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("good:1"), r.out());
    List<String> warnings = r.err().lines().filter(l -> l.startsWith("warning: skipped")).toList();
    assertEquals(2, warnings.size(), r.err());
    assertTrue(warnings.get(0).contains("empty/1/model-card.json: not a model card"), r.err());
    assertTrue(warnings.get(1).contains("good/2/model-card.json: not whole JSON"), r.err());
  }

  private static String finishedRun(LocalRunStore store, String name) throws Exception {
    try (LocalRun run = store.start("exp", name, null)) {
      run.setTags(Map.of("k", "v"));
      run.logMetric("val/nll", 1.5, 1);
      return run.id();
    }
  }

  private static void truncate(Path file) throws Exception {
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / 2));
  }

  private static void card(ModelStore models, String name, int version, String text)
      throws Exception {
    Path dir = Files.createDirectories(models.versionDir(name, version));
    if (text == null) {
      text =
          new ModelCard(
                  name,
                  version,
                  "realnvp",
                  "name: x",
                  new long[] {2},
                  new long[] {2},
                  "normal",
                  List.of(),
                  Map.of(),
                  "run",
                  17,
                  new Parity.Report(1e-6, 1e-6, 1, 1, 0.8, "CPU", 1e-3, 1e-4),
                  "2026-01-01T00:00:00Z",
                  0,
                  ModelCard.DENSITY_GRAPHS)
              .toJson();
    }
    Files.writeString(dir.resolve(ModelStore.CARD_FILE), text, StandardCharsets.UTF_8);
  }
}
