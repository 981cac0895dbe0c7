package org.flowlab.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.flowlab.api.onnx.OnnxModels;
import org.flowlab.api.onnx.runtime.OnnxSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The versioned store: layout, versions, references, atomic publishing, the card's JSON. */
class ModelStoreTest {
  @TempDir Path root;

  private static ModelCard card() {
    return new ModelCard(
        "ignored",
        0,
        "realnvp",
        "seed: 1\n",
        new long[] {2},
        new long[] {2},
        "normal",
        List.of(),
        Map.of("test/nll", 2.93),
        "run-1",
        17,
        new Parity.Report(1e-6, 2e-6, 512, 256, 0.8, "CPU", 1e-3, 1e-4),
        "2026-01-01T00:00:00Z",
        0,
        ModelCard.DENSITY_GRAPHS);
  }

  private static OnnxModels models(byte b) {
    return new OnnxModels(new byte[] {b, 1}, new byte[] {b, 2}, "normal", 17);
  }

  @Test
  void publishesNumberedVersionsWithTheirFilesAndCard() throws Exception {
    ModelStore store = new ModelStore(root);
    assertEquals(List.of(), store.names());
    ModelCard first = store.publish("m", models((byte) 7), card());
    ModelCard second = store.publish("m", models((byte) 8), card());
    assertEquals(1, first.version());
    assertEquals(2, second.version());
    assertEquals("m", second.name());
    assertEquals(List.of("m"), store.names());
    assertEquals(List.of(1, 2), store.versions("m"));
    Path v1 = store.versionDir("m", 1);
    assertArrayEquals(new byte[] {7, 1}, Files.readAllBytes(v1.resolve(ModelStore.LOG_PROB_FILE)));
    assertArrayEquals(new byte[] {7, 2}, Files.readAllBytes(v1.resolve(ModelStore.SAMPLE_FILE)));
    String json = Files.readString(v1.resolve(ModelStore.CARD_FILE));
    assertTrue(json.contains("\"log_prob_max_abs_error\""), json);
    assertTrue(json.contains("\"source_run\": \"run-1\""), json);
    ModelCard read = store.card("m", 1);
    assertEquals(1, read.version());
    assertArrayEquals(new long[] {2}, read.eventShape());
    assertEquals(2.93, read.metrics().get("test/nll"));
    assertEquals(2e-6, read.parity().sampleMaxAbsError());
    try (Stream<Path> left = Files.list(root.resolve("m"))) {
      assertEquals(List.of("1", "2"), left.map(p -> p.getFileName().toString()).sorted().toList());
    }
  }

  @Test
  void aSamplerIsStoredAloneAndItsCardSaysSo() throws Exception {
    ModelStore store = new ModelStore(root);
    ModelCard density = card();
    ModelCard sampler =
        new ModelCard(
            "ignored",
            0,
            "planar",
            "seed: 1\n",
            new long[] {2},
            new long[] {2},
            "normal",
            List.of(),
            Map.of(),
            "run-2",
            17,
            density.parity(),
            "2026-01-01T00:00:00Z",
            0,
            ModelCard.samplerGraphs("planar"));
    store.publish("vi", OnnxModels.sampler(new byte[] {9, 3}, "normal", 17), sampler);
    ModelStore.Registered found = store.resolve("vi");
    assertArrayEquals(new byte[] {9, 3}, Files.readAllBytes(found.samplerFile()));
    assertTrue(!Files.exists(found.logProbFile()) && !Files.exists(found.sampleFile()));
    assertEquals(List.of(ModelCard.SAMPLER), List.copyOf(found.card().graphs().keySet()));
    assertTrue(found.card().graphs().get(ModelCard.SAMPLER).contains("no log_prob graph"));
    String json = Files.readString(found.dir().resolve(ModelStore.CARD_FILE));
    assertTrue(json.contains("-> x (N, event...), log_q (N)"), json);
    assertTrue(
        Files.readString(found.dir().resolve(MlflowModelFiles.MLMODEL)).contains("sampler.onnx"));
    // A card from before the graphs key has the density graphs.
    store.publish("old", models((byte) 1), density);
    Path file = store.versionDir("old", 1).resolve(ModelStore.CARD_FILE);
    String withoutGraphs = Files.readString(file).replaceAll(",\\s*\"graphs\": \\{[^}]*\\}", "");
    assertTrue(!withoutGraphs.contains("graphs"), withoutGraphs);
    assertEquals(ModelCard.DENSITY_GRAPHS, ModelCard.fromJson(withoutGraphs).graphs());
    assertTrue(ModelCard.fromJson(withoutGraphs).has(ModelCard.LOG_PROB));
  }

  @Test
  void aVaeGeneratorIsStoredAloneAndServedWithoutADensity() throws Exception {
    ModelStore store = new ModelStore(root);
    ModelCard vae =
        new ModelCard(
            "ignored",
            0,
            "vae",
            "seed: 1\n",
            new long[] {1, 2, 2},
            new long[] {3},
            "normal",
            List.of(),
            Map.of(),
            "run-3",
            17,
            card().parity(),
            "2026-01-01T00:00:00Z",
            0,
            ModelCard.GENERATOR_GRAPHS);
    store.publish("vae", new OnnxModels(null, new byte[] {7, 5}, "normal", 17), vae);
    ModelStore.Registered found = store.resolve("vae");
    assertArrayEquals(new byte[] {7, 5}, Files.readAllBytes(found.generatorFile()));
    assertTrue(!Files.exists(found.logProbFile()) && !Files.exists(found.sampleFile()));
    assertEquals(List.of(ModelCard.GENERATOR), List.copyOf(found.card().graphs().keySet()));
    String mlmodel = Files.readString(found.dir().resolve(MlflowModelFiles.MLMODEL));
    assertTrue(mlmodel.contains("data: generator.onnx"), mlmodel);
    try (RegisteredFlow flow = RegisteredFlow.open(found, OnnxSession.Provider.CPU)) {
      assertTrue(!flow.scores(), "a generator has no log_prob model");
    }
  }

  @Test
  void resolvesNamesAndVersionsAndSaysWhatIsMissing() throws Exception {
    ModelStore store = new ModelStore(root);
    store.publish("m", models((byte) 1), card());
    store.publish("m", models((byte) 2), card());
    assertEquals(2, store.resolve("m").version());
    assertEquals(1, store.resolve("m:1").version());
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> store.resolve("m:3"))
            .getMessage()
            .contains("no version 3"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> store.resolve("other"))
            .getMessage()
            .contains("no model named 'other'"));
    assertThrows(IllegalArgumentException.class, () -> store.resolve("m:x"));
    assertThrows(
        IllegalArgumentException.class, () -> store.publish("../escape", models((byte) 1), card()));
  }

  @Test
  void concurrentPublishersGetDistinctVersions() throws Exception {
    ModelStore store = new ModelStore(root);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<ModelCard>> futures = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        byte b = (byte) i;
        futures.add(pool.submit(() -> store.publish("m", models(b), card())));
      }
      List<Integer> versions = new ArrayList<>();
      for (Future<ModelCard> f : futures) {
        versions.add(f.get().version());
      }
      assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8), versions.stream().sorted().toList());
      for (int v = 1; v <= 8; v++) {
        byte[] lp = Files.readAllBytes(store.versionDir("m", v).resolve(ModelStore.LOG_PROB_FILE));
        byte[] s = Files.readAllBytes(store.versionDir("m", v).resolve(ModelStore.SAMPLE_FILE));
        assertEquals(lp[0], s[0], "a version's files come from one publish");
        assertEquals(v, store.card("m", v).version());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void npyAndCsvRoundTrip() throws Exception {
    Path npy = root.resolve("a.npy");
    float[] values = {1f, -2.5f, 3.25f, 0f, 1e-8f, 7f};
    ArrayFiles.writeNpy(npy, values, 3, 2);
    ArrayFiles.FloatArray read = ArrayFiles.read(npy);
    assertArrayEquals(new long[] {3, 2}, read.shape());
    assertArrayEquals(values, read.values());
    Path csv = root.resolve("a.csv");
    Files.writeString(csv, "x0,x1\n1.0, -2.5\n3.25,0\n");
    ArrayFiles.FloatArray fromCsv = ArrayFiles.read(csv);
    assertArrayEquals(new long[] {2, 2}, fromCsv.shape());
    assertArrayEquals(new float[] {1f, -2.5f, 3.25f, 0f}, fromCsv.values());
    Files.writeString(csv, "1,2\n3\n");
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> ArrayFiles.read(csv))
            .getMessage()
            .contains(":2: 1 columns, expected 2"));
  }
}
