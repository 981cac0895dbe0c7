package org.flowlab.core.data;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Readers for tabular data: NumPy {@code .npy} matrices and CSV files, both read into a row-major
 * float matrix. A small reader of our own rather than DJL's ({@code NDList.decode}): it needs no
 * engine, so {@code flowlab validate} can check files without starting PyTorch, and it reads
 * float64 files (the MAF preprocessed data) straight to float32.
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

  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>|=]?)([fiub])(\\d+)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  /**
   * Reads a 1-D or 2-D {@code .npy} array (format 1.0–3.0) of float32/float64 or (u)int8–64 values,
   * little- or big-endian, C or Fortran order. A 1-D array is one column.
   *
   * @throws IOException when the file cannot be read or holds something else
   */
  public static Table readNpy(Path file) throws IOException {
    try (DataInputStream in = new DataInputStream(ImageFiles.open(file))) {
      byte[] magic = new byte[6];
      in.readFully(magic);
      if (magic[0] != (byte) 0x93
          || !"NUMPY".equals(new String(magic, 1, 5, StandardCharsets.ISO_8859_1))) {
        throw new IOException(file + ": not a .npy file (no \\x93NUMPY magic)");
      }
      int major = in.readUnsignedByte();
      in.readUnsignedByte();
      int headerLen;
      if (major == 1) {
        headerLen = Short.toUnsignedInt(Short.reverseBytes(in.readShort()));
      } else {
        headerLen = Integer.reverseBytes(in.readInt());
      }
      byte[] headerBytes = new byte[headerLen];
      in.readFully(headerBytes);
      String header = new String(headerBytes, StandardCharsets.ISO_8859_1);
      Matcher d = DESCR.matcher(header);
      Matcher f = FORTRAN.matcher(header);
      Matcher s = SHAPE.matcher(header);
      if (!d.find() || !f.find() || !s.find()) {
        throw new IOException(file + ": unreadable .npy header " + header.strip());
      }
      ByteOrder order = ">".equals(d.group(1)) ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
      char kind = d.group(2).charAt(0);
      int width = Integer.parseInt(d.group(3));
      boolean fortran = "True".equals(f.group(1));
      List<Long> dims = new ArrayList<>();
      for (String part : s.group(1).split(",")) {
        if (!part.isBlank()) {
          dims.add(Long.parseLong(part.strip()));
        }
      }
      if (dims.isEmpty() || dims.size() > 2) {
        throw new IOException(file + ": expected a 1-D or 2-D array, got shape " + dims);
      }
      int rows = Math.toIntExact(dims.get(0));
      int cols = dims.size() == 2 ? Math.toIntExact(dims.get(1)) : 1;
      if (!(kind == 'f' && (width == 4 || width == 8))
          && !((kind == 'i' || kind == 'u')
              && (width == 1 || width == 2 || width == 4 || width == 8))) {
        throw new IOException(
            file + ": unsupported dtype '" + d.group(1) + kind + width + "' (float32/64, ints)");
      }
      int n = Math.multiplyExact(rows, cols);
      float[] values = new float[n];
      byte[] chunk = new byte[width * 8192];
      int done = 0;
      while (done < n) {
        int take = Math.min(8192, n - done);
        in.readFully(chunk, 0, take * width);
        ByteBuffer buf = ByteBuffer.wrap(chunk, 0, take * width).order(order);
        for (int i = 0; i < take; i++) {
          int at = done + i;
          int dst = fortran ? (at % rows) * cols + at / rows : at;
          values[dst] = read(buf, kind, width);
        }
        done += take;
      }
      return new Table(rows, cols, values);
    } catch (java.io.EOFException e) {
      throw new IOException(file + ": truncated .npy file", e);
    }
  }

  private static float read(ByteBuffer buf, char kind, int width) {
    if (kind == 'f') {
      return width == 4 ? buf.getFloat() : (float) buf.getDouble();
    }
    boolean unsigned = kind == 'u';
    return switch (width) {
      case 1 -> unsigned ? buf.get() & 0xff : buf.get();
      case 2 -> unsigned ? buf.getShort() & 0xffff : buf.getShort();
      case 4 -> unsigned ? (float) (buf.getInt() & 0xffffffffL) : buf.getInt();
      default -> buf.getLong();
    };
  }

  /**
   * Reads a CSV file of numbers, comma- (or whitespace-) separated. A first line that does not
   * parse as numbers is a header and skipped; blank lines are skipped; every row must have as many
   * columns as the first.
   *
   * @throws IOException when the file cannot be read, or a value or a row length is wrong (with the
   *     line number)
   */
  public static Table readCsv(Path file) throws IOException {
    List<float[]> rows = new ArrayList<>();
    int cols = -1;
    try (InputStream raw = ImageFiles.open(file);
        BufferedReader in =
            new BufferedReader(new java.io.InputStreamReader(raw, StandardCharsets.UTF_8))) {
      String line;
      int lineNo = 0;
      while ((line = in.readLine()) != null) {
        lineNo++;
        String t = line.strip();
        if (t.isEmpty()) {
          continue;
        }
        String[] parts = t.contains(",") ? t.split("\\s*,\\s*", -1) : t.split("\\s+");
        float[] row = new float[parts.length];
        try {
          for (int i = 0; i < parts.length; i++) {
            row[i] = Float.parseFloat(parts[i]);
          }
        } catch (NumberFormatException e) {
          if (rows.isEmpty() && cols < 0) {
            cols = parts.length; // the header names the columns
            continue;
          }
          throw new IOException(file + ":" + lineNo + ": not a number: " + e.getMessage());
        }
        if (cols < 0) {
          cols = row.length;
        } else if (row.length != cols) {
          throw new IOException(
              file + ":" + lineNo + ": " + row.length + " columns, expected " + cols);
        }
        rows.add(row);
      }
    }
    if (rows.isEmpty()) {
      throw new IOException(file + ": no data rows");
    }
    float[] values = new float[Math.multiplyExact(rows.size(), cols)];
    for (int r = 0; r < rows.size(); r++) {
      System.arraycopy(rows.get(r), 0, values, r * cols, cols);
    }
    return new Table(rows.size(), cols, values);
  }

  /** Reads a table by its extension: {@code .npy} or {@code .csv} (either possibly {@code .gz}). */
  public static Table read(Path file) throws IOException {
    String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
    if (name.endsWith(".gz")) {
      name = name.substring(0, name.length() - 3);
    }
    if (name.endsWith(".npy")) {
      return readNpy(file);
    }
    if (name.endsWith(".csv") || name.endsWith(".txt")) {
      return readCsv(file);
    }
    throw new IOException(file + ": expected a .npy or .csv file");
  }

  /** Whether {@code file} exists as a regular file. */
  static boolean exists(Path file) {
    return Files.isRegularFile(file);
  }
}
