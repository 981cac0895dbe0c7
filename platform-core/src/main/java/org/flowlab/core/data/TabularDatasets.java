package org.flowlab.core.data;

import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import org.flowlab.api.random.Seeds;

/**
 * Tabular datasets: the UCI sets of the MAF/FFJORD benchmarks ({@code power}, {@code gas}, {@code
 * hepmass}, {@code miniboone}, {@code bsds300}) and any matrix ({@code csv}, {@code npy}). Files
 * are {@code .npy} (float32/float64) or CSV (header optional); event shape (d).
 *
 * <p>{@code data.path} is a folder (or, for {@code csv}/{@code npy}, the file itself) holding
 * either
 *
 * <ul>
 *   <li>ready splits {@code train}, {@code val} (or {@code validation}) and {@code test}, each
 *       {@code .npy} or {@code .csv}; without a val file, validation is the last 10% of train. This
 *       is the only layout for hepmass and bsds300, which come with their own splits (MAF's HEPMASS
 *       CSVs and BSDS300 HDF5 exported to these files); or
 *   <li>one matrix {@code data.npy} / {@code data.csv}, split as MAF splits it: test = the last 10%
 *       of the rows, validation = the last 10% of the rest, training the remainder. {@code power}
 *       (and {@code csv}/{@code npy}) first shuffle the rows with a stream of the run seed; {@code
 *       gas} and {@code miniboone} keep the file's order, as MAF does. POWER's raw 8-column {@code
 *       data.npy} (MAF's file) is cleaned as MAF does: columns 3 and 1 dropped, then uniform noise
 *       added to break ties (0.001·U, 0.01·U, U, U, U, 0 for the six columns left).
 * </ul>
 *
 * <p>Every dataset but bsds300 (already preprocessed in MAF) is then standardised with the mean and
 * standard deviation of its whole training split. {@code train_size}, {@code val_size}, {@code
 * test_size} keep only the first so many rows of each split.
 */
public final class TabularDatasets {
  private TabularDatasets() {}

  /**
   * The context columns a {@code csv} or {@code npy} table's {@code data.condition} names: {@code
   * last:K}, its last K ≥ 1 columns (standardised like the others).
   *
   * @throws DatasetException at {@code condition} for another dataset or another form
   */
  static int contextColumns(String name, String condition) {
    if (!name.equals("csv") && !name.equals("npy")) {
      throw new DatasetException(
          "condition",
          "'" + name + "' has no context columns; csv and npy tables take condition: last:K");
    }
    String[] parts = condition.split(":", -1);
    int k = 0;
    if (parts.length == 2 && parts[0].equals("last")) {
      try {
        k = Integer.parseInt(parts[1].strip());
      } catch (NumberFormatException e) {
        k = 0;
      }
    }
    if (k < 1) {
      throw new DatasetException(
          "condition",
          "a table's context is its last K columns, written last:K with K >= 1, got '"
              + condition
              + "'");
    }
    return k;
  }

  /** The tabular dataset names. */
  public static final List<String> NAMES =
      List.of("power", "gas", "hepmass", "miniboone", "bsds300", "csv", "npy");

  private static final List<String> EXTENSIONS = List.of(".npy", ".csv", ".npy.gz", ".csv.gz");

  /** The files behind a dataset: {train, val-or-null, test} or {data}. */
  static List<Path> files(String name, String path) {
    if (path == null) {
      throw new DatasetException(
          "path",
          name
              + " needs data.path: a folder with train/val/test .npy or .csv files"
              + (splitsGiven(name) ? "" : ", or one data.npy / data.csv"));
    }
    Path p = Path.of(path);
    if (Files.isRegularFile(p) && (name.equals("csv") || name.equals("npy"))) {
      return List.of(p);
    }
    if (!Files.isDirectory(p)) {
      throw new DatasetException(
          "path", (Files.exists(p) ? "not a folder: " : "folder not found: ") + p);
    }
    Path train = find(p, "train");
    Path test = find(p, "test");
    if (train != null && test != null) {
      Path val = find(p, "val");
      return Arrays.asList(train, val != null ? val : find(p, "validation"), test);
    }
    Path data = find(p, "data");
    if (data != null && !splitsGiven(name)) {
      return List.of(data);
    }
    throw new DatasetException(
        "path",
        "no train and test .npy/.csv files"
            + (splitsGiven(name) ? "" : " and no data.npy/data.csv")
            + " in "
            + p);
  }

  /** hepmass and bsds300 come with their own train/test splits. */
  private static boolean splitsGiven(String name) {
    return name.equals("hepmass") || name.equals("bsds300");
  }

  private static Path find(Path dir, String stem) {
    for (String ext : EXTENSIONS) {
      Path f = dir.resolve(stem + ext);
      if (Files.isRegularFile(f)) {
        return f;
      }
    }
    return null;
  }

  /**
   * Loads a tabular dataset as described in the class comment.
   *
   * @throws DatasetException (key {@code path}) for missing or malformed files
   */
  public static DataSplits load(
      String name, String path, Integer trainSize, Integer valSize, Integer testSize, long seed) {
    return load(name, path, trainSize, valSize, testSize, seed, 0);
  }

  /**
   * Loads a table whose last {@code contextColumns} columns are the context of each row (0: none):
   * the event shape is that of the other columns.
   *
   * @throws DatasetException at {@code condition} when no column is left for the points
   */
  public static DataSplits load(
      String name,
      String path,
      Integer trainSize,
      Integer valSize,
      Integer testSize,
      long seed,
      int contextColumns) {
    List<Path> files = files(name, path);
    float[][] splits;
    int cols;
    try {
      if (files.size() == 3) {
        TableFiles.Table train = TableFiles.read(files.get(0));
        TableFiles.Table test = TableFiles.read(files.get(2));
        TableFiles.Table val;
        if (files.get(1) != null) {
          val = TableFiles.read(files.get(1));
        } else {
          TableFiles.Table[] parts = splitLast(train, train.rows() / 10);
          train = parts[0];
          val = parts[1];
        }
        cols = train.cols();
        for (TableFiles.Table t : List.of(val, test)) {
          if (t.cols() != cols) {
            throw new DatasetException(
                "path", "splits differ in columns: train " + cols + ", another " + t.cols());
          }
        }
        splits = new float[][] {train.values(), val.values(), test.values()};
      } else {
        TableFiles.Table data = TableFiles.read(files.get(0));
        if (name.equals("power") || name.equals("csv") || name.equals("npy")) {
          shuffleRows(data, Seeds.stream(seed, "data/" + name + "/shuffle"));
        }
        if (name.equals("power") && data.cols() == 8) {
          data = cleanPower(data, Seeds.stream(seed, "data/power/noise"));
        }
        int nTest = data.rows() / 10;
        TableFiles.Table[] first = splitLast(data, nTest);
        TableFiles.Table[] second = splitLast(first[0], first[0].rows() / 10);
        cols = data.cols();
        splits = new float[][] {second[0].values(), second[1].values(), first[1].values()};
      }
    } catch (IOException e) {
      throw new DatasetException("path", e.getMessage());
    }
    if (splits[0].length == 0) {
      throw new DatasetException("path", "the training split is empty");
    }
    if (!name.equals("bsds300")) {
      standardise(splits, cols);
    }
    splits[0] = head(splits[0], cols, trainSize);
    splits[1] = head(splits[1], cols, valSize);
    splits[2] = head(splits[2], cols, testSize);
    if (contextColumns >= cols) {
      throw new DatasetException(
          "condition",
          "last:" + contextColumns + " leaves no column of the " + cols + " for the points");
    }
    return new DataSplits(
        name,
        new Shape(cols - contextColumns),
        Points.of(splits[0], cols),
        Points.of(splits[1], cols),
        Points.of(splits[2], cols),
        OptionalDouble.empty(),
        null,
        null,
        contextColumns);
  }

  /** Rows [0, n−k) and the last k rows. */
  static TableFiles.Table[] splitLast(TableFiles.Table t, int k) {
    int keep = t.rows() - k;
    return new TableFiles.Table[] {
      new TableFiles.Table(keep, t.cols(), Arrays.copyOfRange(t.values(), 0, keep * t.cols())),
      new TableFiles.Table(
          k, t.cols(), Arrays.copyOfRange(t.values(), keep * t.cols(), t.rows() * t.cols()))
    };
  }

  private static float[] head(float[] values, int cols, Integer rows) {
    return rows == null || (long) rows * cols >= values.length
        ? values
        : Arrays.copyOf(values, rows * cols);
  }

  /** Fisher–Yates on whole rows. */
  static void shuffleRows(TableFiles.Table t, SplittableRandom rng) {
    float[] v = t.values();
    int c = t.cols();
    float[] tmp = new float[c];
    for (int i = t.rows() - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      System.arraycopy(v, i * c, tmp, 0, c);
      System.arraycopy(v, j * c, v, i * c, c);
      System.arraycopy(tmp, 0, v, j * c, c);
    }
  }

  /**
   * MAF's POWER cleaning of its raw 8-column file: drop columns 3 and 1, add tie-breaking noise.
   */
  static TableFiles.Table cleanPower(TableFiles.Table t, SplittableRandom rng) {
    int[] keep = {0, 2, 4, 5, 6, 7};
    double[] noise = {0.001, 0.01, 1, 1, 1, 0};
    float[] out = new float[t.rows() * keep.length];
    for (int r = 0; r < t.rows(); r++) {
      for (int k = 0; k < keep.length; k++) {
        double u = noise[k] == 0 ? 0 : noise[k] * rng.nextDouble();
        out[r * keep.length + k] = (float) (t.values()[r * t.cols() + keep[k]] + u);
      }
    }
    return new TableFiles.Table(t.rows(), keep.length, out);
  }

  /**
   * Standardises every split in place with the per-column mean and (population) standard deviation
   * of {@code splits[0]}, the training split; a constant column is only centred.
   */
  static void standardise(float[][] splits, int cols) {
    float[] train = splits[0];
    int n = train.length / cols;
    double[] mean = new double[cols];
    double[] m2 = new double[cols];
    for (int r = 0; r < n; r++) {
      for (int c = 0; c < cols; c++) {
        double x = train[r * cols + c];
        double d = x - mean[c];
        mean[c] += d / (r + 1);
        m2[c] += d * (x - mean[c]);
      }
    }
    double[] inv = new double[cols];
    for (int c = 0; c < cols; c++) {
      double sd = Math.sqrt(m2[c] / n);
      inv[c] = sd > 0 ? 1 / sd : 1;
    }
    for (float[] s : splits) {
      for (int i = 0; i < s.length; i++) {
        int c = i % cols;
        s[i] = (float) ((s[i] - mean[c]) * inv[c]);
      }
    }
  }
}
