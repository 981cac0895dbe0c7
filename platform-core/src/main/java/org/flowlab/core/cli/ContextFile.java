package org.flowlab.core.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.flowlab.core.config.ConfigException;
import org.flowlab.registry.ArrayFiles;
import org.flowlab.registry.ModelCard;

/**
 * The {@code --context FILE} of {@code flowlab sample} and {@code score}: the context rows of a
 * conditional model, read from {@code .npy} or {@code .csv}, and the data files they share the
 * reading with. Every problem is bad input (exit code 2) in one line naming the file.
 */
final class ContextFile {
  private ContextFile() {}

  /**
   * Reads an array file; a missing or unreadable file is bad input located at the file (and line,
   * for CSV).
   */
  static ArrayFiles.FloatArray read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new ConfigException(file.toString(), "", "no such file");
    }
    try {
      return ArrayFiles.read(file);
    } catch (IllegalArgumentException e) {
      // The message starts with the file (and line, for CSV): keep that as the location.
      String message = e.getMessage();
      int end =
          message.startsWith(file + ":") ? message.indexOf(": ", file.toString().length()) : -1;
      throw end < 0
          ? new ConfigException(file.toString(), "", message)
          : new ConfigException(message.substring(0, end), "", message.substring(end + 2));
    }
  }

  /**
   * Refuses a non-finite value, naming the file and the row.
   *
   * @param width values per row
   */
  static void requireFinite(Path file, float[] values, int width) {
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        throw new ConfigException(
            file.toString(),
            "",
            "row " + (i / width) + " (from 0) holds " + values[i] + ", not a finite number");
      }
    }
  }

  /**
   * The {@code n × contextDim} context rows for {@code n} points or samples of {@code card}'s
   * model: the file's rows, one per point, or its single row repeated for all. Null for an
   * unconditional model without a file.
   *
   * @param file the {@code --context} file, or null
   * @throws ConfigException for a conditional model without a file, an unconditional one with one,
   *     or a file of another shape or with a non-finite value
   */
  static float[] rows(Path file, ModelCard card, int n) throws IOException {
    int k = card.contextDim();
    if (file == null) {
      if (k > 0) {
        throw new ConfigException(
            "--context",
            "",
            card.name()
                + ":"
                + card.version()
                + " is conditional: give --context FILE (.npy or .csv, "
                + k
                + " context features a row, one row per point or one for all)");
      }
      return null;
    }
    if (k == 0) {
      throw new ConfigException(
          file.toString(),
          "",
          card.name() + ":" + card.version() + " is unconditional: it takes no --context");
    }
    ArrayFiles.FloatArray array = read(file);
    float[] values = array.values();
    int rows = array.rows();
    boolean shaped =
        array.shape().length >= 1
            && array.shape().length <= 2
            && values.length == (long) rows * k
            && (rows == n || rows == 1);
    if (!shaped) {
      throw new ConfigException(
          file.toString(),
          "",
          "shape "
              + Arrays.toString(array.shape())
              + " is not ("
              + n
              + ", "
              + k
              + ") or (1, "
              + k
              + "): one context row of "
              + k
              + " features per point, or one row for all");
    }
    requireFinite(file, values, k);
    if (rows == n) {
      return values;
    }
    float[] repeated = new float[n * k];
    for (int i = 0; i < n; i++) {
      System.arraycopy(values, 0, repeated, i * k, k);
    }
    return repeated;
  }
}
