package org.flowlab.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import org.flowlab.api.random.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Static binarisation: drawn once from the real pixels with the fixed seed, kept, read back on a
 * rerun; two independent builds give the same bytes; every value is 0 or 1.
 */
class BinarizedImagesTest {
  @TempDir Path tmp;

  private Path mnistFolder() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("mnist"));
    TestFiles.idx(dir.resolve("train-images-idx3-ubyte"), 40, 4, 4);
    TestFiles.idx(dir.resolve("t10k-images-idx3-ubyte.gz"), 10, 4, 4);
    return dir;
  }

  private static List<Path> cached(Path cacheDir) throws Exception {
    try (Stream<Path> files = Files.walk(cacheDir)) {
      return files.filter(Files::isRegularFile).sorted().toList();
    }
  }

  @Test
  void twoBuildsAreByteIdenticalAndHoldOnlyZerosAndOnes() throws Exception {
    Path data = mnistFolder();
    DataSplits a =
        BinarizedImages.load("mnist", data.toString(), null, null, null, tmp.resolve("a"));
    DataSplits b =
        BinarizedImages.load("mnist", data.toString(), null, null, null, tmp.resolve("b"));
    List<Path> filesA = cached(tmp.resolve("a"));
    List<Path> filesB = cached(tmp.resolve("b"));
    assertEquals(2, filesA.size(), "train and test IDX files: " + filesA);
    for (int i = 0; i < filesA.size(); i++) {
      assertEquals(
          tmp.resolve("a").relativize(filesA.get(i)), tmp.resolve("b").relativize(filesB.get(i)));
      assertArrayEquals(Files.readAllBytes(filesA.get(i)), Files.readAllBytes(filesB.get(i)));
    }
    assertTrue(filesA.get(0).getParent().getFileName().toString().contains("binarized-seed0-"));
    assertEquals(36, a.train().count()); // 4 of 40 carved off for validation, as for the originals
    assertEquals(4, a.val().count());
    assertEquals(10, a.test().count());
    for (Points split : List.of(a.train(), a.val(), a.test())) {
      for (float v : split.floats()) {
        assertTrue(v == 0f || v == 1f, "value " + v);
      }
    }
    assertArrayEquals(a.test().floats(), b.test().floats());
  }

  @Test
  void aRerunReadsTheKeptFilesInsteadOfDrawingAgain() throws Exception {
    Path data = mnistFolder();
    Path cache = tmp.resolve("cache");
    DataSplits first = BinarizedImages.load("mnist", data.toString(), null, null, null, cache);
    Path train = cached(cache).get(1); // t10k sorts first
    assertTrue(train.getFileName().toString().startsWith("train"));
    FileTime written = FileTime.fromMillis(1_000_000L);
    Files.setLastModifiedTime(train, written);
    DataSplits again = BinarizedImages.load("mnist", data.toString(), null, null, null, cache);
    assertEquals(written, Files.getLastModifiedTime(train), "the kept file was rewritten");
    assertArrayEquals(first.train().floats(), again.train().floats());
  }

  @Test
  void eachPixelIsOneWithProbabilityIntensityOver255() {
    int n = 200_000;
    byte[] pixels = new byte[n];
    java.util.Arrays.fill(pixels, (byte) 64);
    byte[] bits = BinarizedImages.binarize(pixels, Seeds.stream(0, "test"));
    double ones = 0;
    for (byte b : bits) {
      ones += b;
    }
    // mean of n Bernoulli(64/255) draws: standard error 0.001
    assertEquals(64 / 255.0, ones / n, 0.005);
    assertEquals(0, BinarizedImages.binarize(new byte[] {0}, Seeds.stream(0, "t"))[0]);
    assertEquals(1, BinarizedImages.binarize(new byte[] {(byte) 255}, Seeds.stream(0, "t"))[0]);
  }

  @Test
  void colourImagesAreRefusedAtDataName() {
    DatasetException e =
        assertThrows(
            DatasetException.class,
            () -> BinarizedImages.load("cifar10", "/nowhere", null, null, null, tmp));
    assertEquals("name", e.key());
  }
}
