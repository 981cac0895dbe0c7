package org.flowlab.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.flowlab.api.random.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class DatasetsTest {

  static List<String> names() {
    return Datasets.names();
  }

  @Test
  void namesCoverTheLiteratureDensities() {
    assertTrue(
        Datasets.names()
            .containsAll(
                List.of(
                    "moons",
                    "8gaussians",
                    "checkerboard",
                    "2spirals",
                    "pinwheel",
                    "rings",
                    "circles",
                    "gaussian")));
  }

  @ParameterizedTest
  @MethodSource("names")
  void sameSeedSameSplitsOtherSeedOtherSplits(String name) {
    DataSplits a = Datasets.load(name, 300, 100, 100, 7);
    DataSplits b = Datasets.load(name, 300, 100, 100, 7);
    DataSplits c = Datasets.load(name, 300, 100, 100, 8);
    assertEquals(name, a.name());
    assertEquals(2, a.dim());
    assertEquals(300, a.train().count());
    assertEquals(100, a.val().count());
    assertArrayEquals(a.train().floats(), b.train().floats());
    assertArrayEquals(a.val().floats(), b.val().floats());
    assertArrayEquals(a.test().floats(), b.test().floats());
    assertFalse(Arrays.equals(a.train().floats(), c.train().floats()));
    // The three splits come from independent streams.
    assertFalse(Arrays.equals(Arrays.copyOf(a.train().floats(), 200), a.val().floats()));
    assertFalse(Arrays.equals(a.val().floats(), a.test().floats()));
    for (float v : a.train().floats()) {
      assertTrue(Float.isFinite(v), name + " produced a non-finite value");
    }
  }

  @Test
  void splitsDoNotDependOnOtherSplitSizes() {
    DataSplits small = Datasets.load("moons", 100, 50, 50, 3);
    DataSplits big = Datasets.load("moons", 1000, 50, 50, 3);
    assertArrayEquals(small.val().floats(), big.val().floats());
    assertArrayEquals(small.test().floats(), big.test().floats());
    assertArrayEquals(
        small.train().floats(), Arrays.copyOf(big.train().floats(), small.train().floats().length));
  }

  @ParameterizedTest
  @MethodSource("names")
  void samplesAreCenteredAndSpreadSensibly(String name) {
    float[] x = Datasets.load(name, 20_000, 0, 0, 11).train().floats();
    double[] mean = new double[2];
    double[] var = new double[2];
    int n = x.length / 2;
    for (int i = 0; i < n; i++) {
      mean[0] += x[2 * i];
      mean[1] += x[2 * i + 1];
    }
    mean[0] /= n;
    mean[1] /= n;
    for (int i = 0; i < n; i++) {
      var[0] += Math.pow(x[2 * i] - mean[0], 2);
      var[1] += Math.pow(x[2 * i + 1] - mean[1], 2);
    }
    for (int d = 0; d < 2; d++) {
      double sd = Math.sqrt(var[d] / (n - 1));
      // All of these densities are roughly centered and live within a few units of the origin.
      assertTrue(Math.abs(mean[d]) < 0.6, name + " mean[" + d + "] = " + mean[d]);
      assertTrue(sd > 0.3 && sd < 3.5, name + " sd[" + d + "] = " + sd);
    }
  }

  @Test
  void knownMomentsMatch() {
    // gaussian: Σ = [[2, 1.2], [1.2, 1]].
    float[] x = Datasets.load("gaussian", 100_000, 0, 0, 5).train().floats();
    double sxx = 0;
    double sxy = 0;
    double syy = 0;
    int n = x.length / 2;
    for (int i = 0; i < n; i++) {
      sxx += x[2 * i] * x[2 * i];
      sxy += x[2 * i] * x[2 * i + 1];
      syy += x[2 * i + 1] * x[2 * i + 1];
    }
    assertEquals(2.0, sxx / n, 0.05);
    assertEquals(1.2, sxy / n, 0.04);
    assertEquals(1.0, syy / n, 0.03);
    // 8gaussians: E|x|² = r² + 2σ² with r = 4/1.414, σ = 0.5/1.414.
    float[] g = Datasets.load("8gaussians", 100_000, 0, 0, 5).train().floats();
    double r2 = 0;
    for (int i = 0; i < g.length / 2; i++) {
      r2 += g[2 * i] * g[2 * i] + g[2 * i + 1] * g[2 * i + 1];
    }
    double expected = (16.0 + 2 * 0.25) / (1.414 * 1.414);
    assertEquals(expected, r2 / (g.length / 2), 0.03);
  }

  @Test
  void checkerboardSamplesLieOnItsSupport() {
    ToyDensity d = Datasets.density("checkerboard");
    float[] x = Datasets.load("checkerboard", 50_000, 0, 0, 2).train().floats();
    int[] cellCounts = new int[16];
    for (int i = 0; i < x.length / 2; i++) {
      assertEquals(-Math.log(32), d.logDensity(x[2 * i], x[2 * i + 1]), 1e-12);
      int c = (int) Math.floor(x[2 * i] / 2) + 2;
      int r = (int) Math.floor(x[2 * i + 1] / 2) + 2;
      cellCounts[4 * Math.min(c, 3) + Math.min(r, 3)]++;
    }
    int filled = 0;
    for (int k : cellCounts) {
      if (k > 0) {
        filled++;
        assertEquals(50_000 / 8.0, k, 300, "cells are equally likely");
      }
    }
    assertEquals(8, filled);
    assertEquals(-Math.log(32), d.logDensity(-3, -3)); // cell (c, r) = (-2, -2): c + r even
    assertEquals(Double.NEGATIVE_INFINITY, d.logDensity(-3, -1)); // cell (-2, -1): empty
    assertEquals(Double.NEGATIVE_INFINITY, d.logDensity(4.5, 0.5)); // off the board
  }

  @ParameterizedTest
  @MethodSource("names")
  void closedFormDensitiesIntegrateToOne(String name) {
    ToyDensity d = Datasets.density(name);
    if (!d.hasLogDensity()) {
      assertTrue(Double.isNaN(d.logDensity(0, 0)));
      assertTrue(d.entropy().isEmpty());
      return;
    }
    // Midpoint rule on [-8, 8]² with 400×400 cells; cell edges fall on the checkerboard's edges.
    int m = 400;
    double lo = -8;
    double h = 16.0 / m;
    double total = 0;
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < m; j++) {
        total += Math.exp(d.logDensity(lo + (i + 0.5) * h, lo + (j + 0.5) * h));
      }
    }
    assertEquals(1.0, total * h * h, 0.01, name);
  }

  @ParameterizedTest
  @MethodSource("names")
  void hardCodedEntropyAgreesWithFreshMonteCarlo(String name) {
    ToyDensity d = Datasets.density(name);
    if (!d.hasLogDensity()) {
      return;
    }
    assertTrue(d.entropy().isPresent(), name + " has a density, so its entropy is known");
    // A different seed from the one the constants were computed with (seed 0).
    // 100,000 draws: the curve densities (moons, 2spirals) cost a 1D integral per point.
    EntropyEstimate e =
        EntropyEstimate.monteCarlo(d, Seeds.stream(12345, "entropy-check"), 100_000);
    double se = Math.hypot(e.stdError(), d.entropyStdError());
    assertTrue(d.entropyStdError() <= 0.002, "stated standard error is small enough");
    assertEquals(d.entropy().getAsDouble(), e.value(), 4 * se + 1e-12, name);
  }

  @Test
  void exactEntropiesHaveTheirClosedForms() {
    assertEquals(Math.log(32), Datasets.density("checkerboard").entropy().getAsDouble(), 1e-12);
    assertEquals(0.0, Datasets.density("checkerboard").entropyStdError());
    double det = 2.0 * 1.0 - 1.2 * 1.2;
    assertEquals(
        0.5 * Math.log(Math.pow(2 * Math.PI * Math.E, 2) * det),
        Datasets.density("gaussian").entropy().getAsDouble(),
        1e-12);
    assertTrue(Datasets.density("pinwheel").entropy().isEmpty());
    assertTrue(Double.isNaN(Datasets.density("pinwheel").entropyStdError()));
    assertEquals(
        Datasets.density("8gaussians").entropy(),
        Datasets.load("8gaussians", 1, 0, 0, 0).entropy());
  }

  @Test
  void gaussianLogDensityMatchesBruteForceFormula() {
    ToyDensity d = Datasets.density("gaussian");
    SplittableRandom rng = new SplittableRandom(1);
    double det = 0.56;
    for (int i = 0; i < 20; i++) {
      double x = rng.nextDouble(-3, 3);
      double y = rng.nextDouble(-3, 3);
      // Σ⁻¹ = [[1, -1.2], [-1.2, 2]] / 0.56
      double q = (x * x - 2.4 * x * y + 2 * y * y) / det;
      assertEquals(-Math.log(2 * Math.PI) - 0.5 * Math.log(det) - q / 2, d.logDensity(x, y), 1e-12);
    }
  }

  @Test
  void besselApproximationMatchesSeries() {
    for (double x : new double[] {0, 0.5, 2, 3.7, 3.8, 10, 50}) {
      // I0(x) = Σ (x/2)^{2k} / (k!)²
      double sum = 0;
      double term = 1;
      for (int k = 0; k < 200; k++) {
        if (k > 0) {
          term *= (x / 2) * (x / 2) / ((double) k * k);
        }
        sum += term;
      }
      double expected = sum * Math.exp(-x);
      assertEquals(expected, ToyDensities.besselI0Scaled(x), 1e-6 * expected, "x=" + x);
    }
  }

  @Test
  void unknownNameSuggestsTheClosest() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Datasets.load("8gausians", 10, 1, 1, 0));
    assertTrue(e.getMessage().startsWith("unknown dataset '8gausians' (known: "), e.getMessage());
    assertTrue(e.getMessage().endsWith("; did you mean '8gaussians'?"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
    IllegalArgumentException far =
        assertThrows(IllegalArgumentException.class, () -> Datasets.density("imagenet"));
    assertFalse(far.getMessage().contains("did you mean"), far.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Datasets.load("moons", 0, 1, 1, 0));
    assertThrows(IllegalArgumentException.class, () -> Datasets.load("moons", 10, -1, 1, 0));
  }
}
