package org.flowlab.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.flowlab.core.config.ExperimentConfig.DataConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TabularDatasetsTest {
  @TempDir Path tmp;

  static DataConfig config(String name, Path path) {
    return new DataConfig(name, path.toString(), null, null, null, null, null);
  }

  /** Row r, column c: r + 1000·c, so a value names its row. */
  static double[] matrix(int rows, int cols) {
    double[] v = new double[rows * cols];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        v[r * cols + c] = r + 1000.0 * c;
      }
    }
    return v;
  }

  @Test
  void aCsvTakesItsLastColumnsAsTheContext() throws IOException {
    StringBuilder csv = new StringBuilder();
    for (int r = 0; r < 100; r++) {
      csv.append(r).append(',').append(2 * r).append(',').append(r % 2).append('\n');
    }
    Path file = Files.writeString(tmp.resolve("t.csv"), csv);
    DataSplits d =
        Datasets.load(
            new DataConfig("csv", file.toString(), null, null, null, null, null, "last:1"), 0);
    assertEquals(new Shape(2), d.eventShape());
    assertEquals(1, d.contextDim());
    assertEquals(3, d.rowDim());
    float[] rows = d.train().floats();
    for (int i = 0; i < d.train().count(); i++) {
      // standardised x1 = 2·x0 keeps its sign pattern; the context is the standardised parity
      assertEquals(rows[3 * i] > 0, rows[3 * i + 1] > 0, "row " + i);
      assertEquals(1.0, Math.abs(rows[3 * i + 2]), 0.05, "a ±1 context, row " + i);
    }
    for (String bad : new String[] {"last:3", "last:0", "first:1", "last:x"}) {
      DataConfig config = new DataConfig("csv", file.toString(), null, null, null, null, null, bad);
      DatasetException e = assertThrows(DatasetException.class, () -> Datasets.load(config, 0));
      assertEquals("condition", e.key(), bad);
    }
    DataConfig power =
        new DataConfig("power", tmp.toString(), null, null, null, null, null, "last:1");
    assertEquals(
        "condition", assertThrows(DatasetException.class, () -> Datasets.check(power)).key());
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void readsNpyFloat64AndFloat32(boolean float64) throws IOException {
    double[] v = matrix(5, 3);
    TableFiles.Table t = TableFiles.read(TestFiles.npy(tmp.resolve("m.npy"), 5, 3, v, float64));
    assertEquals(5, t.rows());
    assertEquals(3, t.cols());
    for (int i = 0; i < v.length; i++) {
      assertEquals((float) v[i], t.values()[i]);
    }
  }

  @Test
  void readsCsvWithAndWithoutHeaderAndNamesTheBadLine() throws IOException {
    Path a = Files.writeString(tmp.resolve("a.csv"), "x,y\n1,2\n3,4.5\n\n-1e3,7\n");
    Path b = Files.writeString(tmp.resolve("b.csv"), "1, 2\n3, 4.5\n-1e3, 7\n");
    TableFiles.Table ta = TableFiles.read(a);
    TableFiles.Table tb = TableFiles.read(b);
    assertEquals(3, ta.rows());
    assertEquals(2, ta.cols());
    assertArrayEquals(new float[] {1, 2, 3, 4.5f, -1000, 7}, ta.values());
    assertArrayEquals(ta.values(), tb.values());
    Path bad = Files.writeString(tmp.resolve("c.csv"), "1,2\n3,4\n5\n");
    IOException e = assertThrows(IOException.class, () -> TableFiles.read(bad));
    assertTrue(e.getMessage().contains("c.csv:3: 1 columns, expected 2"), e.getMessage());
    Path word = Files.writeString(tmp.resolve("d.csv"), "1,2\n3,x\n");
    e = assertThrows(IOException.class, () -> TableFiles.read(word));
    assertTrue(e.getMessage().contains("d.csv:2: not a number"), e.getMessage());
  }

  @Test
  void oneMatrixIsSplitAsMafDoesAndStandardisedWithTrainingStatistics() throws IOException {
    // miniboone keeps the file's order: test = last 10% of rows, val = last 10% of the rest.
    TestFiles.npy(tmp.resolve("data.npy"), 200, 3, matrix(200, 3), true);
    DataSplits d = Datasets.load(config("miniboone", tmp), 0);
    assertEquals(new Shape(3), d.eventShape());
    assertEquals(162, d.train().count());
    assertEquals(18, d.val().count());
    assertEquals(20, d.test().count());
    assertStandardised(d.train().floats(), 3);
    // Training rows are 0..161, so the mean of column 0 is 80.5 and its std sqrt((162²−1)/12).
    double sd = Math.sqrt((162.0 * 162 - 1) / 12);
    assertEquals((162 - 80.5) / sd, d.val().floats()[0], 1e-4, "first val row is row 162");
    assertEquals((180 - 80.5) / sd, d.test().floats()[0], 1e-4, "first test row is row 180");
  }

  @Test
  void powerShufflesWithTheRunSeedAndCleansMafsRawColumns() throws IOException {
    TestFiles.npy(tmp.resolve("data.npy"), 100, 8, matrix(100, 8), true);
    DataSplits a = Datasets.load(config("power", tmp), 1);
    DataSplits b = Datasets.load(config("power", tmp), 1);
    DataSplits c = Datasets.load(config("power", tmp), 2);
    assertEquals(new Shape(6), a.eventShape(), "columns 1 and 3 dropped");
    assertEquals(81, a.train().count());
    assertEquals(9, a.val().count());
    assertEquals(10, a.test().count());
    assertArrayEquals(a.test().floats(), b.test().floats());
    assertFalse(java.util.Arrays.equals(a.test().floats(), c.test().floats()), "seeded shuffle");
    assertStandardised(a.train().floats(), 6);
  }

  @Test
  void givenSplitsAreUsedAsTheyAreAndBsds300IsNotStandardised() throws IOException {
    TestFiles.npy(tmp.resolve("train.npy"), 40, 2, matrix(40, 2), false);
    Files.writeString(tmp.resolve("validation.csv"), "a,b\n5,6\n7,8\n");
    TestFiles.npy(tmp.resolve("test.npy"), 3, 2, matrix(3, 2), true);
    DataSplits raw = Datasets.load(config("bsds300", tmp), 0);
    assertEquals(40, raw.train().count());
    assertArrayEquals(new float[] {5, 6, 7, 8}, raw.val().floats());
    assertEquals(3, raw.test().count());
    assertEquals(1000f, raw.test().floats()[1]);
    DataSplits std = Datasets.load(config("hepmass", tmp), 0);
    assertStandardised(std.train().floats(), 2);
    // Capped splits keep the statistics of the whole training split.
    DataSplits capped =
        Datasets.load(new DataConfig("hepmass", tmp.toString(), 4, 1, 1, null, null), 0);
    assertEquals(4, capped.train().count());
    assertArrayEquals(java.util.Arrays.copyOf(std.train().floats(), 8), capped.train().floats());
  }

  @Test
  void hepmassNeedsItsOwnSplitsAndCsvTakesAFile() throws IOException {
    TestFiles.npy(tmp.resolve("data.npy"), 30, 2, matrix(30, 2), true);
    DatasetException e =
        assertThrows(DatasetException.class, () -> Datasets.load(config("hepmass", tmp), 0));
    assertEquals("path", e.key());
    assertTrue(e.getMessage().contains("no train and test"), e.getMessage());
    StringBuilder csv = new StringBuilder("u,v\n");
    SplittableRandom rng = new SplittableRandom(4);
    for (int i = 0; i < 50; i++) {
      csv.append(rng.nextGaussian()).append(',').append(rng.nextGaussian()).append('\n');
    }
    Path file = Files.writeString(tmp.resolve("points.csv"), csv);
    DataSplits d = Datasets.load(config("csv", file), 0);
    assertEquals(40 + 5 + 5, d.train().count() + d.val().count() + d.test().count());
    assertEquals(5, d.test().count());
  }

  static void assertStandardised(float[] x, int cols) {
    int n = x.length / cols;
    for (int c = 0; c < cols; c++) {
      double mean = 0;
      double sq = 0;
      for (int r = 0; r < n; r++) {
        mean += x[r * cols + c];
        sq += x[r * cols + c] * (double) x[r * cols + c];
      }
      mean /= n;
      double var = sq / n - mean * mean;
      assertEquals(0, mean, 1e-5, "column " + c + " mean");
      assertEquals(1, var, 1e-4, "column " + c + " variance");
    }
  }
}
