package org.flowlab.core.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.flowlab.core.io.AtomicFiles;
import org.flowlab.registry.ArrayFiles;
import org.flowlab.registry.ModelCard;
import org.flowlab.registry.ModelStore;
import org.flowlab.registry.Parity;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad files and options give one line and the right exit code (2: bad input, 1: failure), with no
 * stack trace, and are caught before any work.
 */
class BadInputCliTest {
  @TempDir Path tmp;
  private Path models;

  /** A registered model "m" of event shape [2] whose ONNX files are missing. */
  @BeforeEach
  void cardWithoutOnnx() throws Exception {
    models = tmp.resolve("models");
    Path dir = Files.createDirectories(new ModelStore(models).versionDir("m", 1));
    ModelCard card =
        new ModelCard(
            "m",
            1,
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
            ModelCard.DENSITY_GRAPHS);
    Files.writeString(dir.resolve(ModelStore.CARD_FILE), card.toJson(), StandardCharsets.UTF_8);
  }

  private Cli.Result flowlab(String... args) {
    Cli.Result r = Cli.run(args);
    List<String> lines =
        r.err().lines().filter(l -> !l.startsWith("warning: started without")).toList();
    assertEquals(1, lines.size(), "one line: " + r.err());
    assertFalse(lines.get(0).contains("Exception"), "no class names: " + r.err());
    return r;
  }

  @Test
  void sampleChecksItsSizeAndOutputBeforeAnyWork() throws Exception {
    String store = models.toString();
    Cli.Result huge =
        flowlab(
            "sample",
            "m",
            "-n",
            "1000000000",
            "--out",
            tmp.resolve("x.npy").toString(),
            "--models-dir",
            store);
    assertEquals(2, huge.code(), huge.err());
    assertTrue(
        huge.err().contains("-n 1000000000: 1000000000 samples of shape [2] need about"),
        huge.err());

    Path folder = Files.createDirectories(tmp.resolve("empty-folder"));
    Cli.Result onFolder =
        flowlab("sample", "m", "-n", "3", "--out", folder.toString(), "--models-dir", store);
    assertEquals(2, onFolder.code(), onFolder.err());
    assertTrue(Files.isDirectory(folder), "the folder is left alone");

    Cli.Result missing =
        flowlab(
            "sample",
            "m",
            "-n",
            "3",
            "--out",
            tmp.resolve("no/such/x.npy").toString(),
            "--models-dir",
            store);
    assertEquals(2, missing.code(), missing.err());
    assertTrue(missing.err().contains("does not exist"), missing.err());
  }

  @Test
  void scoreNamesTheBadFileOrRow() throws Exception {
    String store = models.toString();
    Path nan = tmp.resolve("nan.npy");
    ArrayFiles.writeNpy(nan, new float[] {0, 1, Float.NaN, 2}, 2, 2);
    Cli.Result r = flowlab("score", "m", nan.toString(), "--models-dir", store);
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains(nan + ": row 1 (from 0) holds NaN"), r.err());

    Path empty = tmp.resolve("empty.npy");
    ArrayFiles.writeNpy(empty, new float[0], 0, 2);
    r = flowlab("score", "m", empty.toString(), "--models-dir", store);
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("holds no points"), r.err());

    Path csv = Files.writeString(tmp.resolve("nan.csv"), "x,y\n1,2\nNaN,3\n");
    r = flowlab("score", "m", csv.toString(), "--models-dir", store);
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains(csv + ":3: not a finite number"), r.err());

    Path zero = Files.write(tmp.resolve("zero.npy"), new byte[0]);
    r = flowlab("score", "m", zero.toString(), "--models-dir", store);
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains(zero + ": not a .npy file (0 bytes)"), r.err());

    Path good = tmp.resolve("good.npy");
    ArrayFiles.writeNpy(good, new float[] {0, 1, 2, 3, 4, 5}, 3, 2);
    byte[] whole = Files.readAllBytes(good);
    Path torn =
        Files.write(tmp.resolve("torn.npy"), java.util.Arrays.copyOf(whole, whole.length - 5));
    r = flowlab("score", "m", torn.toString(), "--models-dir", store);
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains(torn + ": truncated"), r.err());

    Path hugeHeader = tmp.resolve("huge-header.npy");
    ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0}).putInt(Integer.MAX_VALUE);
    Files.write(hugeHeader, b.array());
    r = flowlab("score", "m", hugeHeader.toString(), "--models-dir", store);
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains(hugeHeader + ": truncated .npy header"), r.err());

    Path hugeShape = tmp.resolve("huge-shape.npy");
    ArrayFiles.writeNpy(hugeShape, new float[] {1, 2}, 1, 2);
    byte[] bytes = Files.readAllBytes(hugeShape);
    String text =
        new String(bytes, StandardCharsets.ISO_8859_1)
            .replaceFirst("\\(1, ?2[, ]*\\)", "(9999999999999, 2)");
    Files.write(hugeShape, text.substring(0, bytes.length).getBytes(StandardCharsets.ISO_8859_1));
    r = flowlab("score", "m", hugeShape.toString(), "--models-dir", store);
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("holds too many values"), r.err());

    // The data are fine, the registered version is not: a failure (1) naming the missing file.
    r = flowlab("score", "m", good.toString(), "--models-dir", store);
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains("log_prob.onnx: missing"), r.err());
  }

  @Test
  void badGlobalOptionsAndNamesAreOneLine() throws Exception {
    Cli.Result r = flowlab("--plugins-dir", tmp.resolve("nonexistent").toString(), "plugins");
    assertEquals(2, r.code(), r.err());
    assertTrue(
        r.err().contains("--plugins-dir " + tmp.resolve("nonexistent") + ": no such folder"),
        r.err());

    r =
        flowlab(
            "--runs-dir",
            tmp.resolve("runs").toString(),
            "export",
            "nosuchrun",
            "--name",
            "bad name!");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("--name bad name!: model names use letters"), r.err());
  }

  @Test
  void writesFollowTheUmask() throws Exception {
    Path reference = Files.createFile(tmp.resolve("reference"));
    Path atomic = tmp.resolve("atomic");
    AtomicFiles.write(atomic, new byte[] {1});
    assertEquals(
        PosixFilePermissions.toString(Files.getPosixFilePermissions(reference)),
        PosixFilePermissions.toString(Files.getPosixFilePermissions(atomic)));

    Path referenceDir = Files.createDirectory(tmp.resolve("reference-dir"));
    ModelStore store = new ModelStore(tmp.resolve("registry"));
    var models = new org.flowlab.api.onnx.OnnxModels(new byte[] {1}, new byte[] {2}, "normal", 17);
    ModelCard card = new ModelStore(this.models).card("m", 1);
    store.publish("shared", models, card);
    assertEquals(
        PosixFilePermissions.toString(Files.getPosixFilePermissions(referenceDir)),
        PosixFilePermissions.toString(
            Files.getPosixFilePermissions(store.versionDir("shared", 1))));
  }
}
