package org.flowlab.api.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.flowlab.api.random.Seeds;
import org.flowlab.api.testkit.FlowChecks;
import org.junit.jupiter.api.Test;

/** The pivoted LU decomposition against its definition and closed forms. */
class LuTest {
  private static double[][] gaussian(int n) {
    float[] g = Seeds.normal(Seeds.stream(5, "lu"), n * n);
    double[][] a = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        a[i][j] = g[i * n + j];
      }
    }
    return a;
  }

  private static double[][] multiply(double[][] a, double[][] b) {
    int n = a.length;
    double[][] c = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < n; k++) {
        for (int j = 0; j < n; j++) {
          c[i][j] += a[i][k] * b[k][j];
        }
      }
    }
    return c;
  }

  @Test
  void factorsReconstructTheMatrixAndGiveItsInverse() {
    double[][] a = gaussian(7);
    Lu lu = Lu.of(a);
    FlowChecks.assertClose(a, multiply(multiply(lu.permutation(), lu.lower()), lu.upper()), 1e-12);
    double[][] eye = new double[7][7];
    for (int i = 0; i < 7; i++) {
      eye[i][i] = 1;
      assertEquals(1.0, lu.lower()[i][i]);
      for (int j = i + 1; j < 7; j++) {
        assertEquals(0.0, lu.lower()[i][j], "L is lower triangular");
        assertEquals(0.0, lu.upper()[j][i], "U is upper triangular");
      }
    }
    FlowChecks.assertClose(eye, multiply(lu.inverse(), a), 1e-10);
  }

  @Test
  void determinantSignCountsTheRowSwaps() {
    assertEquals(-1, Lu.of(new double[][] {{0, 2}, {3, 4}}).determinantSign(), "det −6, one swap");
    assertEquals(1, Lu.of(new double[][] {{0, 2}, {-3, 4}}).determinantSign(), "det 6, one swap");
    assertEquals(-1, Lu.of(new double[][] {{-1, 0}, {0, 2}}).determinantSign(), "det −2, none");
    assertEquals(0, Lu.of(new double[][] {{1, 2}, {2, 4}}).determinantSign(), "singular");
    // A 3-cycle of rows is an even permutation: det of the cyclic shift of diag(1, 2, 3) is +6.
    double[][] cycled = {{0, 2, 0}, {0, 0, 3}, {1, 0, 0}};
    assertEquals(1, Lu.of(cycled).determinantSign(), "det 6, a 3-cycle");
    assertEquals(Math.log(6), Lu.logAbsDet(cycled), 1e-14);
  }

  @Test
  void logAbsDetMatchesClosedForms() {
    // det [[0, 2], [3, 4]] = −6: the zero corner forces a row swap.
    assertEquals(Math.log(6), Lu.logAbsDet(new double[][] {{0, 2}, {3, 4}}), 1e-14);
    double[][] a = {{2, -1, 0}, {-1, 2, -1}, {0, -1, 2}}; // det 4
    assertEquals(Math.log(4), Lu.logAbsDet(a), 1e-14);
    // A fixed 4×4 with det −88 (numpy.linalg.det); its pivoting swaps rows.
    double[][] b = {{1, 2, 3, 4}, {5, 6, 7, 8}, {2, 0, 1, 1}, {0, 3, 1, 8}};
    assertEquals(Math.log(88), Lu.logAbsDet(b), 1e-13);
    assertEquals(-1, Lu.of(b).determinantSign());
    assertEquals(2.0, a[0][0], "the input is not modified");
  }

  @Test
  void aSingularMatrixHasNoInverseAndMinusInfiniteLogDet() {
    Lu lu = Lu.of(new double[][] {{1, 2}, {2, 4}});
    assertTrue(lu.singular());
    assertEquals(Double.NEGATIVE_INFINITY, lu.logAbsDet());
    assertThrows(IllegalStateException.class, lu::inverse);
    assertThrows(IllegalStateException.class, lu::upper);
    assertThrows(IllegalArgumentException.class, () -> Lu.of(new double[][] {{1, 2}}));
  }
}
