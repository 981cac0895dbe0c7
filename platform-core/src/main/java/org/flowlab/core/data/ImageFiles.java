package org.flowlab.core.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Readers for the two image formats of the flow literature: IDX (MNIST, Fashion-MNIST) and the
 * CIFAR-10 binary batches. Both give unsigned bytes in (c, h, w) order per image. Files ending in
 * {@code .gz} are decompressed on the fly.
 */
public final class ImageFiles {
  private ImageFiles() {}

  /**
   * Images read from a file.
   *
   * @param count how many images
   * @param channels c
   * @param height h
   * @param width w
   * @param pixels {@code count × c × h × w} unsigned bytes, row-major
   */
  public record Images(int count, int channels, int height, int width, byte[] pixels) {
    /** Values per image. */
    public int dim() {
      return channels * height * width;
    }
  }

  /** Opens a file, gunzipping it when its name ends in {@code .gz}. */
  static InputStream open(Path file) throws IOException {
    InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
    return file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(in, 1 << 16) : in;
  }

  /**
   * Reads an IDX image file ({@code idx3-ubyte}): magic {@code 0x00000803}, then the big-endian
   * int32 sizes n, h, w, then n·h·w unsigned bytes. Images have one channel.
   *
   * @throws IOException when the file cannot be read or is not an IDX image file
   */
  public static Images readIdx(Path file) throws IOException {
    try (DataInputStream in = new DataInputStream(open(file))) {
      int magic = in.readInt();
      if (magic != 0x00000803) {
        throw new IOException(
            file
                + ": not an IDX image file (magic 0x"
                + Integer.toHexString(magic)
                + ", expected 0x803: unsigned bytes, 3 dimensions)");
      }
      int n = in.readInt();
      int h = in.readInt();
      int w = in.readInt();
      if (n < 0 || h < 1 || w < 1) {
        throw new IOException(file + ": bad IDX sizes " + n + "×" + h + "×" + w);
      }
      byte[] pixels = new byte[Math.multiplyExact(n, Math.multiplyExact(h, w))];
      readFully(in, pixels, file);
      return new Images(n, 1, h, w, pixels);
    } catch (EOFException e) {
      throw new IOException(file + ": truncated IDX file", e);
    }
  }

  /** CIFAR-10: 32×32 RGB images. */
  static final int CIFAR_SIDE = 32;

  /** CIFAR-10: bytes per record, one label byte and 3·32·32 pixels (R plane, G, B). */
  static final int CIFAR_RECORD = 1 + 3 * CIFAR_SIDE * CIFAR_SIDE;

  /**
   * Reads CIFAR-10 binary batches ({@code data_batch_1.bin} ...): records of one label byte and
   * 3072 pixel bytes, the red plane, then green, then blue, each 32×32 row-major — already (c, h,
   * w). Labels are dropped.
   *
   * @throws IOException when a file cannot be read or its size is not a whole number of records
   */
  public static Images readCifar(Path... files) throws IOException {
    long total = 0;
    for (Path f : files) {
      long size = Files.size(f);
      if (size == 0 || size % CIFAR_RECORD != 0) {
        throw new IOException(
            f + ": " + size + " bytes is not a whole number of " + CIFAR_RECORD + "-byte records");
      }
      total += size / CIFAR_RECORD;
    }
    int dim = CIFAR_RECORD - 1;
    byte[] pixels = new byte[Math.toIntExact(Math.multiplyExact(total, dim))];
    byte[] record = new byte[CIFAR_RECORD];
    int offset = 0;
    for (Path f : files) {
      long n = Files.size(f) / CIFAR_RECORD;
      try (InputStream in = open(f)) {
        for (long i = 0; i < n; i++) {
          readFully(in, record, f);
          System.arraycopy(record, 1, pixels, offset, dim);
          offset += dim;
        }
      }
    }
    return new Images(Math.toIntExact(total), 3, CIFAR_SIDE, CIFAR_SIDE, pixels);
  }

  private static void readFully(InputStream in, byte[] into, Path file) throws IOException {
    int read = in.readNBytes(into, 0, into.length);
    if (read != into.length) {
      throw new IOException(
          file + ": truncated (" + read + " of " + into.length + " expected bytes)");
    }
  }
}
