package org.flowlab.core.data;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes small dataset files in the real formats for tests: IDX, CIFAR-10 binary, .npy. */
public final class TestFiles {
  private TestFiles() {}

  /** Pixel k of image i: a pattern that differs per image and per position. */
  public static byte pixel(int image, int k) {
    return (byte) ((image * 37 + k * 11) & 0xff);
  }

  /**
   * Writes an IDX image file of n h×w images with {@link #pixel}; gzipped when the name ends .gz.
   */
  public static Path idx(Path file, int n, int h, int w) throws IOException {
    try (OutputStream raw = Files.newOutputStream(file);
        OutputStream maybeGz = file.toString().endsWith(".gz") ? new GZIPOutputStream(raw) : raw;
        DataOutputStream out = new DataOutputStream(maybeGz)) {
      out.writeInt(0x00000803);
      out.writeInt(n);
      out.writeInt(h);
      out.writeInt(w);
      for (int i = 0; i < n; i++) {
        for (int k = 0; k < h * w; k++) {
          out.writeByte(pixel(i, k));
        }
      }
    }
    return file;
  }

  /**
   * Creates {@code dir} as an MNIST folder ({@code data.path} of an {@code mnist} experiment): the
   * training and test IDX files of {@code train} and {@code test} side×side images.
   */
  public static Path mnist(Path dir, int train, int test, int side) throws IOException {
    Files.createDirectories(dir);
    idx(dir.resolve("train-images-idx3-ubyte"), train, side, side);
    idx(dir.resolve("t10k-images-idx3-ubyte"), test, side, side);
    return dir;
  }

  /**
   * Writes a CIFAR-10 batch of n records: label i % 10, then 3072 pixels {@link #pixel}(first+i).
   */
  public static Path cifar(Path file, int first, int n) throws IOException {
    try (OutputStream out = Files.newOutputStream(file)) {
      for (int i = 0; i < n; i++) {
        out.write(i % 10);
        for (int k = 0; k < 3072; k++) {
          out.write(pixel(first + i, k));
        }
      }
    }
    return file;
  }

  /** Writes a rows×cols .npy matrix of little-endian float64 (MAF's files) or float32, C order. */
  public static Path npy(Path file, int rows, int cols, double[] values, boolean float64)
      throws IOException {
    String header =
        "{'descr': '<f"
            + (float64 ? 8 : 4)
            + "', 'fortran_order': False, 'shape': ("
            + rows
            + ", "
            + cols
            + "), }";
    int total = 10 + header.length() + 1;
    int pad = (64 - total % 64) % 64;
    header = header + " ".repeat(pad) + "\n";
    ByteBuffer buf =
        ByteBuffer.allocate(10 + header.length() + values.length * (float64 ? 8 : 4))
            .order(ByteOrder.LITTLE_ENDIAN);
    buf.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.ISO_8859_1));
    buf.put((byte) 1).put((byte) 0).putShort((short) header.length());
    buf.put(header.getBytes(StandardCharsets.ISO_8859_1));
    for (double v : values) {
      if (float64) {
        buf.putDouble(v);
      } else {
        buf.putFloat((float) v);
      }
    }
    Files.write(file, buf.array());
    return file;
  }
}
