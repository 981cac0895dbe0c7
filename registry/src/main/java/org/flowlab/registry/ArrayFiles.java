package org.flowlab.registry;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import org.jetbrains.bio.npy.NpyArray;
import org.jetbrains.bio.npy.NpyFile;

/**
 * Reads and writes the numeric arrays Flowlab exchanges — tabular datasets, {@code flowlab score}
 * and {@code sample} files — as NumPy {@code .npy} (JetBrains' {@code org.jetbrains.bio:npy}) or
 * CSV (Jackson's CSV parser), either possibly gzipped ({@code .npy.gz}, {@code .csv.gz}). Values
 * become float32. Bad content is an {@link IllegalArgumentException} whose one-line message starts
 * with the file (and {@code :line} for CSV).
 *
 * <p>What the npy library lacks is checked here first, so a bad file gets a clear message instead
 * of a wrong array: a header length or data size the file does not hold (the library would allocate
 * it or read past the end), unsigned integers (it returns them as signed), gzip (it maps plain
 * files only). It reads format 1.0/2.0, C order, either byte order, float32/float64 and (u)int8–64;
 * it refuses Fortran order and format 3.0 (NumPy writes 3.0 only for non-ASCII field names).
 */
public final class ArrayFiles {
  /** The npy preamble of format 1: magic (6), version (2), header length (2; 4 after format 1). */
  private static final int PREAMBLE = 10;

  /** Headers longer than this are refused (NumPy's own are a few hundred bytes). */
  private static final int MAX_HEADER = 1 << 20;

  private ArrayFiles() {}

  /**
   * A float array with its shape.
   *
   * @param values row-major values
   * @param shape its shape, batch axis first
   */
  public record FloatArray(float[] values, long[] shape) {
    /** The length of the first axis. */
    public int rows() {
      return shape.length == 0 ? 1 : Math.toIntExact(shape[0]);
    }
  }

  /** Reads {@code .npy} or {@code .csv} (either possibly {@code .gz}) by the file's extension. */
  public static FloatArray read(Path file) throws IOException {
    String name = plainName(file);
    if (name.endsWith(".npy")) {
      return readNpy(file);
    }
    if (name.endsWith(".csv")) {
      return readCsv(file);
    }
    throw new IllegalArgumentException(file + ": expected a .npy or .csv file");
  }

  /** Writes float32 {@code .npy} (C order, little-endian) atomically: a temporary file, moved. */
  public static void writeNpy(Path file, float[] values, long... shape) throws IOException {
    if (Files.isDirectory(file)) {
      throw new IllegalArgumentException(file + ": is a folder; give a file name");
    }
    int[] dims = Arrays.stream(shape).mapToInt(Math::toIntExact).toArray();
    Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
    try {
      NpyFile.write(tmp, values, dims, ByteOrder.LITTLE_ENDIAN);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Reads a {@code .npy} (or {@code .npy.gz}) file of floats or integers, values as float32.
   *
   * @throws IllegalArgumentException naming the file when it is not a .npy file, truncated, of an
   *     unsupported dtype or order, or holds more values than a Java array can
   */
  public static FloatArray readNpy(Path file) throws IOException {
    if (!isGzip(file)) {
      return readPlainNpy(file, file);
    }
    Path plain = Files.createTempFile("flowlab-", ".npy");
    try {
      try (InputStream in = open(file)) {
        Files.copy(in, plain, StandardCopyOption.REPLACE_EXISTING);
      }
      return readPlainNpy(plain, file);
    } finally {
      Files.deleteIfExists(plain);
    }
  }

  /** Reads {@code path}, naming {@code file} in messages. */
  private static FloatArray readPlainNpy(Path path, Path file) throws IOException {
    long size = Files.size(path);
    if (size < PREAMBLE) {
      throw new IllegalArgumentException(file + ": not a .npy file (" + size + " bytes)");
    }
    byte[] head = new byte[(int) Math.min(size, PREAMBLE + 2 + MAX_HEADER)];
    try (InputStream in = Files.newInputStream(path)) {
      in.readNBytes(head, 0, head.length);
    }
    if (head[0] != (byte) 0x93
        || !"NUMPY".equals(new String(head, 1, 5, StandardCharsets.US_ASCII))) {
      throw new IllegalArgumentException(file + ": not a .npy file (no \\x93NUMPY magic)");
    }
    int dataStart = head[6] == 1 ? PREAMBLE : PREAMBLE + 2; // format 1: a 2-byte length, else 4
    if (size < dataStart) {
      throw new IllegalArgumentException(file + ": not a .npy file (" + size + " bytes)");
    }
    ByteBuffer buf = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
    long headerLength =
        head[6] == 1 ? Short.toUnsignedInt(buf.getShort(8)) : Integer.toUnsignedLong(buf.getInt(8));
    if (headerLength > MAX_HEADER || headerLength > size - dataStart) {
      throw new IllegalArgumentException(
          file
              + ": truncated .npy header (says "
              + headerLength
              + " bytes, file has "
              + (size - dataStart)
              + ")");
    }
    NpyFile.Header header;
    try {
      header = NpyFile.Header.Companion.read(buf);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          file + ": .npy shape holds too many values or is not a shape (" + e.getMessage() + ")");
    } catch (IllegalStateException e) {
      if (String.valueOf(e.getMessage()).contains("Fortran")) {
        throw new IllegalArgumentException(
            file + ": a Fortran-ordered array is not read; save np.ascontiguousarray(x) instead");
      }
      throw new IllegalArgumentException(
          file + ": not a .npy file this reader takes (" + e.getMessage() + ")");
    } catch (BufferUnderflowException | NullPointerException e) {
      throw new IllegalArgumentException(
          file + ": not a .npy file this reader takes (" + e.getMessage() + ")");
    }
    long[] shape = Arrays.stream(header.getShape()).asLongStream().toArray();
    long count = 1;
    for (long d : shape) {
      count *= d; // each d < 2³¹ and at most a few axes: a long cannot overflow before the check
      if (d < 0 || count > Integer.MAX_VALUE - 8) {
        throw new IllegalArgumentException(
            file + ": shape " + Arrays.toString(shape) + " holds too many values");
      }
    }
    long data = size - buf.position();
    if (count * header.getBytes() > data) {
      throw new IllegalArgumentException(
          file
              + ": truncated (shape "
              + Arrays.toString(shape)
              + " needs "
              + count * header.getBytes()
              + " bytes of data, the file has "
              + data
              + ")");
    }
    NpyArray array = NpyFile.read(path, Integer.MAX_VALUE);
    return new FloatArray(floats(array.getData(), header.getType() == 'u', file), shape);
  }

  /** The library's typed array as float32; unsigned integers read back from its signed ones. */
  private static float[] floats(Object data, boolean unsigned, Path file) {
    if (data instanceof float[] f) {
      return f;
    }
    float[] out;
    if (data instanceof double[] d) {
      out = new float[d.length];
      for (int i = 0; i < d.length; i++) {
        out[i] = (float) d[i];
      }
    } else if (data instanceof byte[] b) {
      out = new float[b.length];
      for (int i = 0; i < b.length; i++) {
        out[i] = unsigned ? b[i] & 0xff : b[i];
      }
    } else if (data instanceof short[] s) {
      out = new float[s.length];
      for (int i = 0; i < s.length; i++) {
        out[i] = unsigned ? s[i] & 0xffff : s[i];
      }
    } else if (data instanceof int[] n) {
      out = new float[n.length];
      for (int i = 0; i < n.length; i++) {
        out[i] = unsigned ? n[i] & 0xffffffffL : n[i];
      }
    } else if (data instanceof long[] l) {
      out = new float[l.length];
      for (int i = 0; i < l.length; i++) {
        out[i] = unsigned && l[i] < 0 ? (float) (l[i] >>> 1) * 2f : l[i];
      }
    } else {
      throw new IllegalArgumentException(
          file + ": dtype is not numeric (" + data.getClass().getSimpleName() + ")");
    }
    return out;
  }

  /**
   * Reads a CSV (or {@code .csv.gz}) file of numbers, one point per line, comma-separated (spaces
   * around values allowed). A first line that is not numeric is a header; blank lines are skipped.
   *
   * @throws IllegalArgumentException naming the file and line of a value that is not a finite
   *     number or a row of another length, or the file when it has no data rows
   */
  public static FloatArray readCsv(Path file) throws IOException {
    CsvMapper mapper =
        CsvMapper.builder()
            .enable(CsvParser.Feature.WRAP_AS_ARRAY)
            .enable(CsvParser.Feature.TRIM_SPACES)
            .enable(CsvParser.Feature.SKIP_EMPTY_LINES)
            .build();
    List<float[]> rows = new ArrayList<>();
    boolean headerAllowed = true;
    try (Reader reader = new InputStreamReader(open(file), StandardCharsets.UTF_8);
        MappingIterator<String[]> lines = mapper.readerFor(String[].class).readValues(reader)) {
      while (lines.hasNextValue()) {
        String[] cells = lines.nextValue();
        int line = lines.getParser().currentTokenLocation().getLineNr();
        float[] row = new float[cells.length];
        try {
          for (int j = 0; j < cells.length; j++) {
            row[j] = Float.parseFloat(cells[j]);
          }
        } catch (NumberFormatException e) {
          if (headerAllowed) {
            headerAllowed = false; // a header line
            continue;
          }
          throw new IllegalArgumentException(
              file + ":" + line + ": not a number: " + String.join(",", cells));
        }
        headerAllowed = false;
        for (float v : row) {
          if (!Float.isFinite(v)) {
            throw new IllegalArgumentException(
                file + ":" + line + ": not a finite number: " + String.join(",", cells));
          }
        }
        if (!rows.isEmpty() && row.length != rows.get(0).length) {
          throw new IllegalArgumentException(
              file + ":" + line + ": " + row.length + " columns, expected " + rows.get(0).length);
        }
        rows.add(row);
      }
    }
    if (rows.isEmpty()) {
      throw new IllegalArgumentException(file + ": no data rows");
    }
    int d = rows.get(0).length;
    float[] values = new float[rows.size() * d];
    for (int i = 0; i < rows.size(); i++) {
      System.arraycopy(rows.get(i), 0, values, i * d, d);
    }
    return new FloatArray(values, new long[] {rows.size(), d});
  }

  /** The file's bytes, gunzipped when its name ends in {@code .gz}. */
  private static InputStream open(Path file) throws IOException {
    InputStream raw = Files.newInputStream(file);
    return isGzip(file) ? new GZIPInputStream(raw) : raw;
  }

  private static boolean isGzip(Path file) {
    return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gz");
  }

  /** The file name in lower case without a final {@code .gz}. */
  private static String plainName(Path file) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    return name.endsWith(".gz") ? name.substring(0, name.length() - 3) : name;
  }
}
