package org.flowlab.registry;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes the arrays {@code flowlab sample} and {@code flowlab score} exchange: NumPy
 * {@code .npy} (format 1.0/2.0, little-endian float32 or float64, C order) and CSV (one point per
 * line, comma-separated numbers; a first line that is not numeric is a header).
 */
public final class ArrayFiles {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
  private static final Pattern ORDER = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

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

  /** Reads {@code .npy} or {@code .csv} by the file's extension. */
  public static FloatArray read(Path file) throws IOException {
    String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
    if (name.endsWith(".npy")) {
      return readNpy(file);
    }
    if (name.endsWith(".csv")) {
      return readCsv(file);
    }
    throw new IllegalArgumentException(file + ": expected a .npy or .csv file");
  }

  /** Writes float32 {@code .npy}. */
  public static void writeNpy(Path file, float[] values, long... shape) throws IOException {
    String dims =
        shape.length == 1
            ? shape[0] + ","
            : String.join(", ", Arrays.stream(shape).mapToObj(Long::toString).toList());
    String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
    int total = MAGIC.length + 4 + header.length() + 1;
    int pad = (64 - total % 64) % 64;
    header = header + " ".repeat(pad) + "\n";
    byte[] h = header.getBytes(StandardCharsets.US_ASCII);
    ByteBuffer buf =
        ByteBuffer.allocate(MAGIC.length + 4 + h.length + 4 * values.length)
            .order(ByteOrder.LITTLE_ENDIAN);
    buf.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) h.length).put(h);
    buf.asFloatBuffer().put(values);
    if (Files.isDirectory(file)) {
      throw new IllegalArgumentException(file + ": is a folder; give a file name");
    }
    Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
    try {
      Files.write(tmp, buf.array());
      Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Reads a float32 or float64 {@code .npy} file (values as float32).
   *
   * @throws IllegalArgumentException naming the file when it is empty, truncated, has a header that
   *     does not fit the file, or holds more values than a Java array can
   */
  public static FloatArray readNpy(Path file) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    if (buf.remaining() < MAGIC.length + 4) {
      throw new IllegalArgumentException(
          file + ": not a .npy file (" + buf.remaining() + " bytes)");
    }
    byte[] magic = new byte[6];
    buf.get(magic);
    if (!Arrays.equals(magic, MAGIC)) {
      throw new IllegalArgumentException(file + ": not a .npy file");
    }
    int major = buf.get();
    buf.get();
    long headerLength =
        major == 1
            ? Short.toUnsignedInt(buf.getShort())
            : buf.remaining() >= 4 ? Integer.toUnsignedLong(buf.getInt()) : Long.MAX_VALUE;
    if (headerLength > buf.remaining()) {
      throw new IllegalArgumentException(
          file
              + ": truncated .npy header (says "
              + headerLength
              + " bytes, file has "
              + buf.remaining()
              + ")");
    }
    byte[] h = new byte[(int) headerLength];
    buf.get(h);
    String header = new String(h, StandardCharsets.ISO_8859_1);
    String descr = match(DESCR, header, file, "descr");
    if ("True".equals(match(ORDER, header, file, "fortran_order"))) {
      throw new IllegalArgumentException(file + ": Fortran-ordered arrays are not supported");
    }
    long[] shape;
    try {
      shape =
          Arrays.stream(match(SHAPE, header, file, "shape").split(","))
              .map(String::trim)
              .filter(s -> !s.isEmpty())
              .mapToLong(Long::parseLong)
              .toArray();
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(file + ": bad .npy shape in header: " + header.strip());
    }
    long count = 1;
    try {
      for (long d : shape) {
        if (d < 0) {
          throw new ArithmeticException();
        }
        count = Math.multiplyExact(count, d);
      }
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(file + ": bad .npy shape " + Arrays.toString(shape));
    }
    int itemSize = descr.equals("<f8") ? 8 : 4;
    if (count > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          file + ": shape " + Arrays.toString(shape) + " holds too many values (" + count + ")");
    }
    if (count * itemSize > buf.remaining()) {
      throw new IllegalArgumentException(
          file
              + ": truncated (shape "
              + Arrays.toString(shape)
              + " needs "
              + count * itemSize
              + " bytes of data, the file has "
              + buf.remaining()
              + ")");
    }
    float[] values = new float[(int) count];
    switch (descr) {
      case "<f4" -> buf.asFloatBuffer().get(values);
      case "<f8" -> {
        var doubles = buf.asDoubleBuffer();
        for (int i = 0; i < values.length; i++) {
          values[i] = (float) doubles.get(i);
        }
      }
      default ->
          throw new IllegalArgumentException(
              file + ": dtype " + descr + " is not supported (use float32 or float64)");
    }
    return new FloatArray(values, shape);
  }

  /** Reads a CSV file of numbers, one point per line. */
  public static FloatArray readCsv(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    List<float[]> rows = new ArrayList<>();
    int width = -1;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).trim();
      if (line.isEmpty()) {
        continue;
      }
      String[] cells = line.split(",");
      float[] row = new float[cells.length];
      try {
        for (int j = 0; j < cells.length; j++) {
          row[j] = Float.parseFloat(cells[j].trim());
        }
      } catch (NumberFormatException e) {
        if (rows.isEmpty() && width < 0) {
          width = 0; // a header line
          continue;
        }
        throw new IllegalArgumentException(file + ":" + (i + 1) + ": not a number: " + line);
      }
      for (float v : row) {
        if (!Float.isFinite(v)) {
          throw new IllegalArgumentException(
              file + ":" + (i + 1) + ": not a finite number: " + line);
        }
      }
      if (!rows.isEmpty() && row.length != rows.get(0).length) {
        throw new IllegalArgumentException(
            file + ":" + (i + 1) + ": " + row.length + " columns, expected " + rows.get(0).length);
      }
      rows.add(row);
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

  private static String match(Pattern p, String header, Path file, String what) {
    Matcher m = p.matcher(header);
    if (!m.find()) {
      throw new IllegalArgumentException(file + ": .npy header has no " + what);
    }
    return m.group(1);
  }
}
