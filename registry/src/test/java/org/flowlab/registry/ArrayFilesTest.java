package org.flowlab.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The .npy and CSV reader on the dtypes, orders and damage that real files have. */
class ArrayFilesTest {
  @TempDir Path tmp;

  /** A format-1.0 .npy file with the given header fields and raw data bytes. */
  private Path npy(String name, String descr, boolean fortran, String shape, byte[] data)
      throws IOException {
    String header =
        "{'descr': '"
            + descr
            + "', 'fortran_order': "
            + (fortran ? "True" : "False")
            + ", 'shape': "
            + shape
            + ", }\n";
    ByteBuffer b = ByteBuffer.allocate(10 + header.length() + data.length);
    b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
    b.order(ByteOrder.LITTLE_ENDIAN).putShort((short) header.length());
    b.put(header.getBytes(StandardCharsets.US_ASCII)).put(data);
    return Files.write(tmp.resolve(name), b.array());
  }

  @Test
  void readsBigEndianDoublesUnsignedBytesAndGzip() throws IOException {
    ByteBuffer be = ByteBuffer.allocate(32).order(ByteOrder.BIG_ENDIAN);
    be.putDouble(1.5).putDouble(-2).putDouble(3).putDouble(1e-3);
    ArrayFiles.FloatArray a = ArrayFiles.read(npy("be.npy", ">f8", false, "(2, 2)", be.array()));
    assertArrayEquals(new long[] {2, 2}, a.shape());
    assertArrayEquals(new float[] {1.5f, -2, 3, 1e-3f}, a.values());

    byte[] u8 = {(byte) 200, 0, (byte) 255};
    assertArrayEquals(
        new float[] {200, 0, 255},
        ArrayFiles.read(npy("u.npy", "|u1", false, "(3,)", u8)).values());
    assertArrayEquals(
        new float[] {-56, 0, -1}, ArrayFiles.read(npy("i.npy", "|i1", false, "(3,)", u8)).values());

    Path plain = tmp.resolve("w.npy");
    ArrayFiles.writeNpy(plain, new float[] {1, 2, 3, 4, 5, 6}, 3, 2);
    Path gz = tmp.resolve("w.npy.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
      out.write(Files.readAllBytes(plain));
    }
    ArrayFiles.FloatArray g = ArrayFiles.read(gz);
    assertArrayEquals(new long[] {3, 2}, g.shape());
    assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, g.values());
  }

  @Test
  void aBadNpyFileIsOneLineNamingIt() throws IOException {
    Path fortran = npy("f.npy", "<f4", true, "(1, 1)", new byte[4]);
    assertMessage(fortran, fortran + ": a Fortran-ordered array is not read; save np.ascontiguous");
    Path torn = npy("t.npy", "<f4", false, "(4, 2)", new byte[12]);
    assertMessage(
        torn, torn + ": truncated (shape [4, 2] needs 32 bytes of data, the file has 12)");
    Path text = Files.writeString(tmp.resolve("x.npy"), "hello, not numpy");
    assertMessage(text, text + ": not a .npy file (no \\x93NUMPY magic)");
  }

  @Test
  void csvNamesTheLineOfABadValueOrRowAndReadsGzip() throws IOException {
    Path ok = Files.writeString(tmp.resolve("a.csv"), "x,y\n1, 2\n\n3,4.5\n-1e3 ,7\n");
    ArrayFiles.FloatArray a = ArrayFiles.read(ok);
    assertArrayEquals(new long[] {3, 2}, a.shape());
    assertArrayEquals(new float[] {1, 2, 3, 4.5f, -1000, 7}, a.values());
    Path gz = tmp.resolve("a.csv.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
      out.write(Files.readAllBytes(ok));
    }
    assertArrayEquals(a.values(), ArrayFiles.read(gz).values());

    Path shortRow = Files.writeString(tmp.resolve("b.csv"), "1,2\n\n3,4\n5\n");
    assertMessage(shortRow, shortRow + ":4: 1 columns, expected 2");
    Path word = Files.writeString(tmp.resolve("c.csv"), "x,y\n1,2\n3,y\n");
    assertMessage(word, word + ":3: not a number: 3,y");
    Path nan = Files.writeString(tmp.resolve("d.csv"), "1,2\nNaN,3\n");
    assertMessage(nan, nan + ":2: not a finite number");
    Path header = Files.writeString(tmp.resolve("e.csv"), "x,y\n");
    assertMessage(header, header + ": no data rows");
  }

  private static void assertMessage(Path file, String start) {
    String message =
        assertThrows(IllegalArgumentException.class, () -> ArrayFiles.read(file)).getMessage();
    assertTrue(message.startsWith(start), message);
    assertTrue(!message.contains("\n"), "one line: " + message);
  }
}
