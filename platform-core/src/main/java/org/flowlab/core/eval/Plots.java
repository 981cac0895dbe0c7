package org.flowlab.core.eval;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG plots drawn with XChart, headless: a 2D density figure (data, model density, model samples
 * side by side), loss curves, and a sample scatter. Each method writes exactly one PNG file,
 * creating its parent folder when missing.
 */
public final class Plots {
  private Plots() {}

  /** Pixel size of one panel. */
  static final int PANEL = 420;

  private static final int CURVE_WIDTH = 800;
  private static final int CURVE_HEIGHT = 500;
  private static final Color POINT_COLOR = new Color(31, 119, 180, 110);

  /** Viridis anchors at 0, ¼, ½, ¾, 1. */
  private static final int[][] VIRIDIS = {
    {0x44, 0x01, 0x54},
    {0x3b, 0x52, 0x8b},
    {0x21, 0x91, 0x8c},
    {0x5e, 0xc9, 0x62},
    {0xfd, 0xe7, 0x25}
  };

  /**
   * Writes a three-panel figure: the data (scatter), the model density {@code exp(logDensityGrid)}
   * as a heat map, and the model's samples (scatter), all over the same axis ranges — the extent of
   * the grid.
   *
   * @param out the PNG file to write
   * @param xs ascending x coordinates of the grid points (at least 2)
   * @param ys ascending y coordinates of the grid points (at least 2)
   * @param logDensityGrid {@code logDensityGrid[i][j] = log p(xs[i], ys[j])}; {@code -Infinity} and
   *     NaN are drawn as zero density
   * @param samples model samples, row-major n × 2
   * @param data data points, row-major n × 2
   * @param title the figure's title, shown above the middle panel
   */
  public static void density2d(
      Path out,
      double[] xs,
      double[] ys,
      double[][] logDensityGrid,
      float[] samples,
      float[] data,
      String title) {
    headless();
    checkGrid(xs, ys, logDensityGrid);
    double[] xr = extent(xs);
    double[] yr = extent(ys);
    XYChart dataChart = scatterChart("data", data, xr, yr);
    XYChart sampleChart = scatterChart("model samples", samples, xr, yr);

    BufferedImage left = BitmapEncoder.getBufferedImage(dataChart);
    BufferedImage middle = heatPanel(title + " — model density", xr, yr, logDensityGrid);
    BufferedImage right = BitmapEncoder.getBufferedImage(sampleChart);

    BufferedImage figure = new BufferedImage(3 * PANEL, PANEL, BufferedImage.TYPE_INT_RGB);
    Graphics2D fg = figure.createGraphics();
    fg.drawImage(left, 0, 0, null);
    fg.drawImage(middle, PANEL, 0, null);
    fg.drawImage(right, 2 * PANEL, 0, null);
    fg.dispose();
    write(out, figure);
  }

  /**
   * Writes a grid of scatter panels over the same axis ranges, {@code columns} a row: e.g. a
   * conditional flow's samples, one panel per context value.
   *
   * @param out the PNG file to write
   * @param titles one title per panel
   * @param points one row-major n × 2 point set per panel
   * @param xr the x range {lo, hi} of every panel
   * @param yr the y range {lo, hi}
   * @param columns panels per row, at least 1
   */
  public static void scatterGrid(
      Path out, List<String> titles, List<float[]> points, double[] xr, double[] yr, int columns) {
    headless();
    if (titles.size() != points.size() || titles.isEmpty() || columns < 1) {
      throw new IllegalArgumentException(
          "scatterGrid: " + titles.size() + " titles for " + points.size() + " point sets");
    }
    int cols = Math.min(columns, titles.size());
    int rows = (titles.size() + cols - 1) / cols;
    BufferedImage figure =
        new BufferedImage(cols * PANEL, rows * PANEL, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = figure.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, figure.getWidth(), figure.getHeight());
    for (int i = 0; i < titles.size(); i++) {
      XYChart chart = scatterChart(titles.get(i), points.get(i), xr, yr);
      g.drawImage(
          BitmapEncoder.getBufferedImage(chart), (i % cols) * PANEL, (i / cols) * PANEL, null);
    }
    g.dispose();
    write(out, figure);
  }

  /**
   * Writes a two-panel figure for a variational fit: the target density {@code exp(logTarget)} and
   * a 2D histogram of the flow's samples on the same grid cells, both as heat maps.
   *
   * @param xs ascending x coordinates of the grid points (at least 2), equally spaced
   * @param ys ascending y coordinates of the grid points (at least 2), equally spaced
   * @param logTarget {@code logTarget[i][j] = log p̃(xs[i], ys[j])}
   * @param samples flow samples, row-major n × 2; those outside the grid are not drawn
   */
  public static void targetAndSamples(
      Path out, double[] xs, double[] ys, double[][] logTarget, float[] samples, String title) {
    headless();
    checkGrid(xs, ys, logTarget);
    double[] xr = extent(xs);
    double[] yr = extent(ys);
    double[][] logCounts = new double[xs.length][ys.length];
    for (int i = 0; i + 1 < samples.length; i += 2) {
      int cx = (int) Math.floor((samples[i] - xr[0]) / (xr[1] - xr[0]) * xs.length);
      int cy = (int) Math.floor((samples[i + 1] - yr[0]) / (yr[1] - yr[0]) * ys.length);
      if (cx >= 0 && cx < xs.length && cy >= 0 && cy < ys.length) {
        logCounts[cx][cy]++;
      }
    }
    for (double[] row : logCounts) {
      for (int j = 0; j < row.length; j++) {
        row[j] = Math.log(row[j]);
      }
    }
    BufferedImage figure = new BufferedImage(2 * PANEL, PANEL, BufferedImage.TYPE_INT_RGB);
    Graphics2D fg = figure.createGraphics();
    fg.drawImage(heatPanel(title + " — target density", xr, yr, logTarget), 0, 0, null);
    fg.drawImage(heatPanel("flow samples (histogram)", xr, yr, logCounts), PANEL, 0, null);
    fg.dispose();
    write(out, figure);
  }

  /** A panel whose plot area is filled with the heat map of {@code exp(logGrid)}. */
  private static BufferedImage heatPanel(
      String title, double[] xr, double[] yr, double[][] logGrid) {
    XYChart chart = frame(title, xr, yr);
    BufferedImage panel = BitmapEncoder.getBufferedImage(chart);
    // The chart laid out its axes while painting; fill exactly its plot area with the density.
    int x0 = (int) Math.round(chart.getScreenXFromChart(xr[0]));
    int x1 = (int) Math.round(chart.getScreenXFromChart(xr[1]));
    int y0 = (int) Math.round(chart.getScreenYFromChart(yr[1]));
    int y1 = (int) Math.round(chart.getScreenYFromChart(yr[0]));
    Graphics2D g = panel.createGraphics();
    g.setRenderingHint(
        RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(densityImage(logGrid), x0, y0, x1 - x0, y1 - y0, null);
    g.dispose();
    return panel;
  }

  /**
   * Writes a line chart with one line per series, e.g. {@code "train loss"} and {@code "val NLL"}
   * against the step. NaN values leave a gap.
   *
   * @param series name → {@code {steps[], values[]}} (two arrays of equal length, at least one
   *     point)
   */
  public static void curves(
      Path out, String title, String xLabel, String yLabel, Map<String, double[][]> series) {
    headless();
    if (series.isEmpty()) {
      throw new IllegalArgumentException("curves: no series to plot");
    }
    XYChart chart = lineChart(title, xLabel, yLabel);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
    for (Map.Entry<String, double[][]> e : series.entrySet()) {
      double[][] sv = e.getValue();
      if (sv == null || sv.length != 2 || sv[0].length != sv[1].length || sv[0].length == 0) {
        throw new IllegalArgumentException(
            "curves: series '"
                + e.getKey()
                + "' must be {steps[], values[]} of equal, non-zero length");
      }
      XYSeries s = chart.addSeries(e.getKey(), sv[0], sv[1]);
      s.setMarker(sv[0].length <= 30 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
    }
    write(out, BitmapEncoder.getBufferedImage(chart));
  }

  /** An empty white-background chart of the curve size, with its title and axis labels. */
  private static XYChart lineChart(String title, String xLabel, String yLabel) {
    XYChart chart =
        new XYChartBuilder()
            .width(CURVE_WIDTH)
            .height(CURVE_HEIGHT)
            .title(title)
            .xAxisTitle(xLabel)
            .yAxisTitle(yLabel)
            .build();
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    return chart;
  }

  /**
   * Writes a scatter plot of {@code ys} against {@code xs} (one marker per point), e.g. a sweep's
   * metric against one swept parameter; the x axis is logarithmic when every x is positive and they
   * span two decades or more.
   */
  public static void scatter(
      Path out, String title, String xLabel, String yLabel, double[] xs, double[] ys) {
    headless();
    if (xs.length != ys.length || xs.length == 0) {
      throw new IllegalArgumentException("scatter: xs and ys must have equal, non-zero length");
    }
    XYChart chart = lineChart(title, xLabel, yLabel);
    chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
    chart.getStyler().setLegendVisible(false);
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (double x : xs) {
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    chart.getStyler().setXAxisLogarithmic(min > 0 && max / min >= 100);
    chart.addSeries(yLabel, xs, ys).setMarker(SeriesMarkers.CIRCLE);
    write(out, BitmapEncoder.getBufferedImage(chart));
  }

  /** Writes a single scatter plot of 2D points (row-major n × 2), axes fitted to the points. */
  public static void samplesScatter(Path out, float[] samples, String title) {
    headless();
    write(out, BitmapEncoder.getBufferedImage(scatterChart(title, samples, null, null)));
  }

  /** {@code n} evenly spaced values from {@code lo} to {@code hi} inclusive (n ≥ 2). */
  public static double[] linspace(double lo, double hi, int n) {
    if (n < 2) {
      throw new IllegalArgumentException("linspace needs n >= 2, got " + n);
    }
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = lo + (hi - lo) * i / (n - 1);
    }
    return v;
  }

  private static void headless() {
    System.setProperty("java.awt.headless", "true");
  }

  private static void checkGrid(double[] xs, double[] ys, double[][] grid) {
    if (xs.length < 2 || ys.length < 2) {
      throw new IllegalArgumentException("density2d: the grid needs at least 2 points per axis");
    }
    if (grid.length != xs.length) {
      throw new IllegalArgumentException(
          "density2d: logDensityGrid has "
              + grid.length
              + " rows but xs has "
              + xs.length
              + " values (logDensityGrid[i][j] is at (xs[i], ys[j]))");
    }
    for (double[] row : grid) {
      if (row.length != ys.length) {
        throw new IllegalArgumentException(
            "density2d: a logDensityGrid row has "
                + row.length
                + " values but ys has "
                + ys.length);
      }
    }
  }

  /** The axis range covering the grid cells centered on {@code v}. */
  private static double[] extent(double[] v) {
    double half = 0.5 * (v[v.length - 1] - v[0]) / (v.length - 1);
    return new double[] {v[0] - half, v[v.length - 1] + half};
  }

  private static XYChart frame(String title, double[] xr, double[] yr) {
    XYChart chart = new XYChartBuilder().width(PANEL).height(PANEL).title(title).build();
    Styler s = chart.getStyler();
    s.setLegendVisible(false);
    s.setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
    chart.getStyler().setMarkerSize(2);
    chart.getStyler().setDecimalPattern("0.#");
    if (xr != null) {
      chart.getStyler().setXAxisMin(xr[0]).setXAxisMax(xr[1]);
      chart.getStyler().setYAxisMin(yr[0]).setYAxisMax(yr[1]);
      // An invisible series spanning the extent, so the chart has data and lays out its axes. Its
      // points are unequally spaced on purpose: XChart puts ticks only at the data values of an
      // equally spaced series.
      double w = xr[1] - xr[0];
      double h = yr[1] - yr[0];
      XYSeries corners =
          chart.addSeries(
              "extent",
              new double[] {xr[0], xr[0] + 0.25 * w, xr[1]},
              new double[] {yr[0], yr[0] + 0.25 * h, yr[1]});
      corners.setMarker(SeriesMarkers.NONE);
    }
    return chart;
  }

  private static XYChart scatterChart(String title, float[] points, double[] xr, double[] yr) {
    if (points.length % 2 != 0) {
      throw new IllegalArgumentException(
          "scatter '"
              + title
              + "': points must be row-major n × 2, got "
              + points.length
              + " values");
    }
    XYChart chart = frame(title, xr, yr);
    int n = points.length / 2;
    if (n == 0) {
      if (xr == null) {
        throw new IllegalArgumentException("scatter '" + title + "': no points to plot");
      }
      return chart; // an empty panel with the shared axes
    }
    double[] x = new double[n];
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = points[2 * i];
      y[i] = points[2 * i + 1];
    }
    XYSeries s = chart.addSeries("points", x, y);
    s.setMarker(SeriesMarkers.CIRCLE);
    s.setMarkerColor(POINT_COLOR);
    return chart;
  }

  /**
   * exp(log p) mapped through viridis, normalized to the grid's maximum; row 0 is the top (max y).
   */
  static BufferedImage densityImage(double[][] logDensityGrid) {
    int nx = logDensityGrid.length;
    int ny = logDensityGrid[0].length;
    double max = Double.NEGATIVE_INFINITY;
    for (double[] row : logDensityGrid) {
      for (double v : row) {
        if (!Double.isNaN(v)) {
          max = Math.max(max, v);
        }
      }
    }
    BufferedImage img = new BufferedImage(nx, ny, BufferedImage.TYPE_INT_RGB);
    for (int i = 0; i < nx; i++) {
      for (int j = 0; j < ny; j++) {
        double v = logDensityGrid[i][j];
        double t =
            Double.isNaN(v) || max == Double.NEGATIVE_INFINITY || Double.isInfinite(max)
                ? 0
                : Math.exp(v - max);
        img.setRGB(i, ny - 1 - j, viridis(t));
      }
    }
    return img;
  }

  private static int viridis(double t) {
    double u = Math.max(0, Math.min(1, t)) * (VIRIDIS.length - 1);
    int k = Math.min((int) u, VIRIDIS.length - 2);
    double f = u - k;
    int rgb = 0;
    for (int c = 0; c < 3; c++) {
      int v = (int) Math.round(VIRIDIS[k][c] + f * (VIRIDIS[k + 1][c] - VIRIDIS[k][c]));
      rgb = (rgb << 8) | v;
    }
    return rgb;
  }

  private static void write(Path out, BufferedImage image) {
    try {
      Path parent = out.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      if (!ImageIO.write(image, "png", out.toFile())) {
        throw new IOException("no PNG writer available");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write plot " + out + ": " + e.getMessage(), e);
    }
  }
}
