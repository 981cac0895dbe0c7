package org.flowlab.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interchange with NumPy itself: {@code np.save}'s files of several dtypes, byte orders and format
 * versions read here, and ours read by {@code np.load}. Skips without python3 and numpy, except
 * under {@code CI=true}, where it fails with the install line.
 */
class ArrayFilesNumpyTest {
  private static final String INSTALL = "apt-get install python3 python3-pip && pip install numpy";

  @TempDir Path tmp;

  @Test
  void numpyAndFlowlabReadEachOthersFiles() throws Exception {
    Path ours = tmp.resolve("ours.npy");
    ArrayFiles.writeNpy(ours, new float[] {1.5f, -2, 3, 4e-3f, 5, 6}, 2, 3);
    String script =
        "import sys, numpy as np, numpy.lib.format as f\n"
            + "d = sys.argv[1]\n"
            + "a = np.array([[1.5, -2, 3], [4e-3, 5, 6]])\n"
            + "np.save(d + '/f4.npy', a.astype('<f4'))\n"
            + "np.save(d + '/be.npy', a.astype('>f8'))\n"
            + "np.save(d + '/u1.npy', np.array([200, 0, 255], np.uint8))\n"
            + "np.save(d + '/i8.npy', np.array([[-3], [2**40]], np.int64))\n"
            + "with open(d + '/v2.npy', 'wb') as out: f.write_array(out, a, version=(2, 0))\n"
            + "b = np.load(d + '/ours.npy')\n"
            + "print(b.dtype, b.shape, ' '.join(repr(float(v)) for v in b.ravel()))\n";
    String printed = python(script, tmp);
    assertEquals("float32 (2, 3) 1.5 -2.0 3.0 0.004000000189989805 5.0 6.0", printed.strip());

    float[] a = {1.5f, -2, 3, 4e-3f, 5, 6};
    for (String name : new String[] {"f4", "be", "v2"}) {
      ArrayFiles.FloatArray read = ArrayFiles.read(tmp.resolve(name + ".npy"));
      assertArrayEquals(new long[] {2, 3}, read.shape(), name);
      assertArrayEquals(a, read.values(), name);
    }
    assertArrayEquals(new float[] {200, 0, 255}, ArrayFiles.read(tmp.resolve("u1.npy")).values());
    ArrayFiles.FloatArray longs = ArrayFiles.read(tmp.resolve("i8.npy"));
    assertArrayEquals(new long[] {2, 1}, longs.shape());
    assertArrayEquals(new float[] {-3, 0x1p40f}, longs.values());
  }

  /** Runs {@code script} with {@code dir} as its argument; its standard output. */
  private static String python(String script, Path dir) throws IOException, InterruptedException {
    boolean ci = "true".equals(System.getenv("CI"));
    Process p;
    try {
      p = new ProcessBuilder("python3", "-c", script, dir.toString()).start();
    } catch (IOException e) {
      if (ci) {
        throw new AssertionError("python3 is missing: " + INSTALL, e);
      }
      Assumptions.abort("python3 is missing: " + INSTALL);
      throw e;
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "python finished");
    if (p.exitValue() != 0 && err.contains("No module named 'numpy'") && !ci) {
      Assumptions.abort("numpy is missing: " + INSTALL);
    }
    assertEquals(0, p.exitValue(), "numpy (" + INSTALL + "): " + err);
    return out;
  }
}
