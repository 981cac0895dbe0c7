package org.flowlab.core.eval;

import ai.djl.ndarray.types.Shape;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.flowlab.core.data.Quantization;

/**
 * Writes image samples as one PNG grid. A sample x in data space ([0, 1) after dequantisation) is
 * clamped to [0, 1), put back in its bin {@code floor(x·nBins)} and shown at {@code bin·255/(nBins
 * − 1)}: the pixel the model generated at its bit depth. One channel is grey, three are RGB; other
 * channel counts show the first channel.
 */
public final class ImageGrid {
  private ImageGrid() {}

  /** Pixels between images. */
  static final int PAD = 2;

  /**
   * The 8-bit display value (0..255) of a data-space value.
   *
   * @param x a sample value; NaN shows as 0
   */
  public static int pixel(float x, Quantization q) {
    if (!(x > 0)) {
      return 0;
    }
    int bins = q.bins();
    int bin = x >= 1 ? bins - 1 : Math.min(bins - 1, (int) (x * bins));
    return bins == 1 ? 0 : Math.round(bin * 255f / (bins - 1));
  }

  /**
   * Draws {@code images} ({@code n × c·h·w} row-major) into a grid with {@code columns} images per
   * row and writes it as PNG.
   *
   * @param eventShape (c, h, w)
   */
  public static void write(Path file, float[] images, Shape eventShape, int columns, Quantization q)
      throws IOException {
    int c = Math.toIntExact(eventShape.get(0));
    int h = Math.toIntExact(eventShape.get(1));
    int w = Math.toIntExact(eventShape.get(2));
    int dim = c * h * w;
    int n = images.length / dim;
    int rows = Math.max(1, (n + columns - 1) / columns);
    int cols = Math.max(1, Math.min(columns, n));
    BufferedImage img =
        new BufferedImage(
            PAD + cols * (w + PAD), PAD + rows * (h + PAD), BufferedImage.TYPE_INT_RGB);
    for (int k = 0; k < n; k++) {
      int x0 = PAD + (k % columns) * (w + PAD);
      int y0 = PAD + (k / columns) * (h + PAD);
      int base = k * dim;
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int at = y * w + x;
          int r = pixel(images[base + at], q);
          int g = r;
          int b = r;
          if (c == 3) {
            g = pixel(images[base + h * w + at], q);
            b = pixel(images[base + 2 * h * w + at], q);
          }
          img.setRGB(x0 + x, y0 + y, (r << 16) | (g << 8) | b);
        }
      }
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    if (!ImageIO.write(img, "png", file.toFile())) {
      throw new IOException("no PNG writer in this JVM");
    }
  }
}
