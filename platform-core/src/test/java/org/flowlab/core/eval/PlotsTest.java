package org.flowlab.core.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.ImageIO;
import org.flowlab.api.random.Seeds;
import org.flowlab.core.data.Datasets;
import org.flowlab.core.data.ToyDensity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotsTest {

  @TempDir Path dir;

  /** Where to keep a copy of the figures for a human to look at, when asked to. */
  private static Path keep(Path written) throws IOException {
    String to = System.getProperty("flowlab.plots.keep");
    if (to != null) {
      Path dest = Path.of(to).resolve(written.getFileName());
      Files.createDirectories(dest.getParent());
      Files.copy(written, dest, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    return written;
  }

  @Test
  void density2dWritesThreePanelsWithANonBlankHeatMap() throws IOException {
    ToyDensity d = Datasets.density("8gaussians");
    double[] xs = Plots.linspace(-4, 4, 200);
    double[] ys = Plots.linspace(-4, 4, 200);
    double[][] grid = new double[xs.length][ys.length];
    for (int i = 0; i < xs.length; i++) {
      for (int j = 0; j < ys.length; j++) {
        grid[i][j] = d.logDensity(xs[i], ys[j]);
      }
    }
    float[] data = Datasets.load("8gaussians", 2000, 0, 0, 1).train().floats();
    float[] samples = new float[4000];
    d.sample(Seeds.stream(2, "plot-test"), samples, 2000);

    Path out = dir.resolve("figs/density.png");
    Plots.density2d(out, xs, ys, grid, samples, data, "8gaussians");
    keep(out);

    BufferedImage img = ImageIO.read(out.toFile());
    assertNotNull(img, "a readable PNG");
    assertEquals(3 * Plots.PANEL, img.getWidth());
    assertEquals(Plots.PANEL, img.getHeight());
    // The middle panel's center region varies (density modes vs. background).
    assertTrue(variance(img, Plots.PANEL + 120, 120, 180, 180) > 100, "heat map is not blank");
    // The scatter panels are not blank either.
    assertTrue(variance(img, 60, 60, 300, 300) > 10, "data panel has points");
    assertTrue(variance(img, 2 * Plots.PANEL + 60, 60, 300, 300) > 10, "samples panel has points");
  }

  @Test
  void scatterGridLaysPanelsInRowsOfTheGivenWidth() throws IOException {
    // Five panels, three a row: two rows; the lone point of panel 4 (row 1, column 1) is drawn
    // there.
    java.util.List<String> titles = java.util.List.of("a", "b", "c", "d", "e");
    java.util.List<float[]> points = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      points.add(i == 4 ? new float[] {0f, 0f} : new float[0]);
    }
    Path out = dir.resolve("grid.png");
    Plots.scatterGrid(out, titles, points, new double[] {-1, 1}, new double[] {-1, 1}, 3);
    BufferedImage img = ImageIO.read(out.toFile());
    assertEquals(3 * Plots.PANEL, img.getWidth());
    assertEquals(2 * Plots.PANEL, img.getHeight());
    assertTrue(coloured(img, Plots.PANEL, Plots.PANEL), "panel 4 shows its point");
    assertTrue(!coloured(img, 2 * Plots.PANEL, Plots.PANEL), "no sixth panel is drawn");
  }

  /** Whether a panel, its top-left corner at (x0, y0), holds a blue point pixel. */
  private static boolean coloured(BufferedImage img, int x0, int y0) {
    for (int x = x0; x < x0 + Plots.PANEL; x++) {
      for (int y = y0; y < y0 + Plots.PANEL; y++) {
        int rgb = img.getRGB(x, y);
        int r = (rgb >> 16) & 0xff;
        int b = rgb & 0xff;
        if (b > r + 60) {
          return true;
        }
      }
    }
    return false;
  }

  @Test
  void heatMapIsDrawnWithYUpInsideThePlotArea() throws IOException {
    // One bump at (2, 2): its brightest pixel must land in the middle panel's top-right quadrant.
    double[] xs = Plots.linspace(-4, 4, 81);
    double[][] grid = new double[81][81];
    for (int i = 0; i < 81; i++) {
      for (int j = 0; j < 81; j++) {
        grid[i][j] = -((xs[i] - 2) * (xs[i] - 2) + (xs[j] - 2) * (xs[j] - 2));
      }
    }
    Path out = dir.resolve("bump.png");
    Plots.density2d(out, xs, xs, grid, new float[] {0, 0}, new float[] {0, 0}, "bump");
    BufferedImage img = ImageIO.read(out.toFile());
    int bx = 0;
    int by = 0;
    double best = -1;
    for (int x = Plots.PANEL; x < 2 * Plots.PANEL; x++) {
      for (int y = 0; y < Plots.PANEL; y++) {
        int rgb = img.getRGB(x, y);
        // viridis' top end is yellow: high red and green, low blue
        double yellow = ((rgb >> 16) & 255) + ((rgb >> 8) & 255) - 2 * (rgb & 255);
        if (yellow > best) {
          best = yellow;
          bx = x - Plots.PANEL;
          by = y;
        }
      }
    }
    assertTrue(best > 300, "the bump's peak is drawn");
    assertTrue(bx > Plots.PANEL * 0.6 && bx < Plots.PANEL * 0.95, "peak x at " + bx);
    assertTrue(by > Plots.PANEL * 0.1 && by < Plots.PANEL * 0.45, "peak y at " + by);
  }

  @Test
  void densityImageOrientation() {
    // Only one bright cell: x = last, y = last (top-right corner of the image).
    double[][] grid = new double[3][4];
    for (double[] row : grid) {
      java.util.Arrays.fill(row, Double.NEGATIVE_INFINITY);
    }
    grid[2][3] = 0;
    BufferedImage img = Plots.densityImage(grid);
    assertEquals(3, img.getWidth());
    assertEquals(4, img.getHeight());
    assertTrue(brightness(img.getRGB(2, 0)) > brightness(img.getRGB(0, 3)) + 100);
    assertTrue(brightness(img.getRGB(2, 0)) > brightness(img.getRGB(2, 3)) + 100);
  }

  @Test
  void curvesAndScatterWritePngs() throws IOException {
    int n = 50;
    double[] steps = new double[n];
    double[] train = new double[n];
    double[] val = new double[n];
    for (int i = 0; i < n; i++) {
      steps[i] = 10 * i;
      train[i] = 3 * Math.exp(-i / 10.0) + 2.8;
      val[i] = 3 * Math.exp(-i / 12.0) + 2.9;
    }
    val[7] = Double.NaN; // a missing evaluation leaves a gap
    Map<String, double[][]> series = new LinkedHashMap<>();
    series.put("train loss", new double[][] {steps, train});
    series.put("val NLL", new double[][] {steps, val});
    Path curves = dir.resolve("curves.png");
    Plots.curves(curves, "8gaussians", "step", "nats", series);
    keep(curves);
    BufferedImage c = ImageIO.read(curves.toFile());
    assertNotNull(c);
    assertTrue(c.getWidth() >= 400 && c.getHeight() >= 300);
    assertTrue(variance(c, 0, 0, c.getWidth(), c.getHeight()) > 10);

    Path scatter = dir.resolve("scatter.png");
    Plots.samplesScatter(scatter, Datasets.load("moons", 1000, 0, 0, 3).train().floats(), "moons");
    keep(scatter);
    BufferedImage s = ImageIO.read(scatter.toFile());
    assertNotNull(s);
    assertTrue(s.getWidth() >= 300 && s.getHeight() >= 300);
  }

  @Test
  void badInputIsRejectedWithAClearMessage() {
    double[] xs = Plots.linspace(-1, 1, 5);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Plots.density2d(
                    dir.resolve("x.png"),
                    xs,
                    xs,
                    new double[4][5],
                    new float[0],
                    new float[0],
                    "t"));
    assertTrue(e.getMessage().contains("xs has 5"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            Plots.curves(
                dir.resolve("c.png"), "t", "x", "y", Map.of("a", new double[][] {{1, 2}, {1}})));
    assertTrue(Files.notExists(dir.resolve("x.png")));
  }

  private static double brightness(int rgb) {
    return ((rgb >> 16) & 255) + ((rgb >> 8) & 255) + (rgb & 255);
  }

  private static double variance(BufferedImage img, int x0, int y0, int w, int h) {
    double sum = 0;
    double sum2 = 0;
    int n = 0;
    for (int x = x0; x < x0 + w; x++) {
      for (int y = y0; y < y0 + h; y++) {
        double b = brightness(img.getRGB(x, y));
        sum += b;
        sum2 += b * b;
        n++;
      }
    }
    double mean = sum / n;
    return sum2 / n - mean * mean;
  }
}
