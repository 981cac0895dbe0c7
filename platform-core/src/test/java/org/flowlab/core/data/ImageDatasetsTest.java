package org.flowlab.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.flowlab.core.config.ExperimentConfig.DataConfig;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImageDatasetsTest {
  @TempDir Path tmp;

  @ParameterizedTest
  @ValueSource(strings = {"", ".gz"})
  void readsIdxFilesPlainAndGzipped(String suffix) throws IOException {
    Path f = TestFiles.idx(tmp.resolve("train-images-idx3-ubyte" + suffix), 7, 3, 5);
    ImageFiles.Images images = ImageFiles.readIdx(f);
    assertEquals(7, images.count());
    assertEquals(1, images.channels());
    assertEquals(3, images.height());
    assertEquals(5, images.width());
    for (int i = 0; i < 7; i++) {
      for (int k = 0; k < 15; k++) {
        assertEquals(TestFiles.pixel(i, k), images.pixels()[i * 15 + k]);
      }
    }
  }

  @Test
  void rejectsTruncatedAndForeignIdxFiles() throws IOException {
    Path good = TestFiles.idx(tmp.resolve("a"), 4, 2, 2);
    byte[] bytes = Files.readAllBytes(good);
    Path truncated =
        Files.write(tmp.resolve("b"), java.util.Arrays.copyOf(bytes, bytes.length - 3));
    IOException e = assertThrows(IOException.class, () -> ImageFiles.readIdx(truncated));
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    bytes[3] = 0x01; // labels file magic 0x801
    Path labels = Files.write(tmp.resolve("c"), bytes);
    e = assertThrows(IOException.class, () -> ImageFiles.readIdx(labels));
    assertTrue(e.getMessage().contains("not an IDX image file"), e.getMessage());
  }

  @Test
  void readsCifarBatchesAsChannelsFirst() throws IOException {
    for (int b = 1; b <= 5; b++) {
      TestFiles.cifar(tmp.resolve("data_batch_" + b + ".bin"), (b - 1) * 4, 4);
    }
    TestFiles.cifar(tmp.resolve("test_batch.bin"), 100, 3);
    DataSplits d =
        Datasets.load(new DataConfig("cifar10", tmp.toString(), null, null, null, null, null), 0);
    assertEquals(new Shape(3, 32, 32), d.eventShape());
    // 20 training images: the last 2 (n/10) are validation.
    assertEquals(18, d.train().count());
    assertEquals(2, d.val().count());
    assertEquals(3, d.test().count());
    byte[] train = d.train().pixels();
    for (int i : new int[] {0, 5, 17}) {
      for (int k : new int[] {0, 1023, 1024, 3071}) {
        assertEquals(TestFiles.pixel(i, k), train[i * 3072 + k], "image " + i + " value " + k);
      }
    }
    assertEquals(TestFiles.pixel(18, 7), d.val().pixels()[7]);
    assertEquals(TestFiles.pixel(101, 9), d.test().pixels()[3072 + 9]);

    Files.write(tmp.resolve("test_batch.bin"), new byte[100]);
    DatasetException e =
        assertThrows(
            DatasetException.class,
            () ->
                Datasets.load(
                    new DataConfig("cifar10", tmp.toString(), null, null, null, null, null), 0));
    assertEquals("path", e.key());
    assertTrue(e.getMessage().contains("not a whole number of 3073-byte records"), e.getMessage());
  }

  @Test
  void idxSplitsCarveValidationFromTheTrainingFileAndSizesCapEachSplit() throws IOException {
    TestFiles.idx(tmp.resolve("train-images-idx3-ubyte.gz"), 50, 4, 4);
    TestFiles.idx(tmp.resolve("t10k-images-idx3-ubyte"), 12, 4, 4);
    DataSplits all =
        Datasets.load(new DataConfig("mnist", tmp.toString(), null, null, null, 8, null), 0);
    assertEquals(new Shape(1, 4, 4), all.eventShape());
    assertEquals(45, all.train().count());
    assertEquals(5, all.val().count());
    assertEquals(12, all.test().count());
    // validation = the last 5 training-file images
    assertEquals(TestFiles.pixel(45, 0), all.val().pixels()[0]);
    assertEquals(8, all.quantization().nBits());

    DataSplits capped =
        Datasets.load(new DataConfig("mnist", tmp.toString(), 10, 2, 3, 5, null), 0);
    assertEquals(10, capped.train().count());
    assertEquals(2, capped.val().count());
    assertEquals(3, capped.test().count());
    assertEquals(TestFiles.pixel(45, 0), capped.val().pixels()[0], "capping keeps the split");
    assertEquals(5, capped.quantization().nBits());
  }

  @Test
  void missingFolderOrFileIsBlamedOnThePath() throws IOException {
    DatasetException e =
        assertThrows(
            DatasetException.class,
            () ->
                Datasets.check(
                    new DataConfig(
                        "mnist", tmp.resolve("nope").toString(), null, null, null, null, null)));
    assertEquals("path", e.key());
    assertTrue(e.getMessage().startsWith("folder not found"), e.getMessage());
    TestFiles.idx(tmp.resolve("train-images-idx3-ubyte"), 2, 2, 2);
    e =
        assertThrows(
            DatasetException.class,
            () ->
                Datasets.check(
                    new DataConfig("fashion-mnist", tmp.toString(), null, null, null, null, null)));
    assertTrue(e.getMessage().contains("t10k-images-idx3-ubyte"), e.getMessage());
    e =
        assertThrows(
            DatasetException.class,
            () -> Datasets.check(new DataConfig("mnist", null, null, null)));
    assertTrue(e.getMessage().contains("needs data.path"), e.getMessage());
  }

  @Test
  void realFashionMnist() {
    Path home = Path.of(ImageDatasets.FASHION_MNIST_DEFAULT);
    Assumptions.assumeTrue(
        Files.isDirectory(home),
        "Fashion-MNIST is not installed at "
            + home
            + " (apt-get install dataset-fashion-mnist); skipping the real-data check");
    DataSplits d = Datasets.load(new DataConfig("fashion-mnist", null, null, null), 0);
    assertEquals(new Shape(1, 28, 28), d.eventShape());
    assertEquals(60_000, d.train().count() + d.val().count());
    assertEquals(5_000, d.val().count());
    assertEquals(10_000, d.test().count());
    // Real images: not all black, pixels span the full range.
    int max = 0;
    long sum = 0;
    for (byte b : d.test().pixels()) {
      max = Math.max(max, b & 0xff);
      sum += b & 0xff;
    }
    assertEquals(255, max);
    double mean = sum / (double) d.test().pixels().length;
    assertTrue(mean > 40 && mean < 120, "mean pixel " + mean);
  }
}
