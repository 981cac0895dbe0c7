package org.flowlab.core.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.flowlab.registry.ArrayFiles;

/**
 * Tabular data files as row-major float matrices: {@code .npy} or CSV, either possibly {@code .gz},
 * read by {@link ArrayFiles} (JetBrains' npy library and Jackson's CSV parser). Neither needs the
 * engine, so {@code flowlab validate} checks files without starting PyTorch.
 */
public final class TableFiles {
  private TableFiles() {}

  /**
   * A matrix of {@code rows × cols} floats.
   *
   * @param rows rows
   * @param cols columns
   * @param values row-major values
   */
  public record Table(int rows, int cols, float[] values) {}

  /**
   * Reads a 1-D (one column) or 2-D table by its extension: {@code .npy} or {@code .csv}, either
   * possibly {@code .gz}.
   *
   * @throws IOException when the file cannot be read or holds something else, in one line naming
   *     the file (and the line, for CSV)
   */
  public static Table read(Path file) throws IOException {
    ArrayFiles.FloatArray array;
    try {
      array = ArrayFiles.read(file);
    } catch (IllegalArgumentException e) {
      throw new IOException(e.getMessage(), e);
    }
    long[] shape = array.shape();
    if (shape.length < 1 || shape.length > 2) {
      throw new IOException(
          file + ": expected a 1-D or 2-D array, got shape " + Arrays.toString(shape));
    }
    int cols = shape.length == 2 ? Math.toIntExact(shape[1]) : 1;
    return new Table(array.rows(), cols, array.values());
  }
}
