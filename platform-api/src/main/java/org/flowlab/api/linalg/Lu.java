package org.flowlab.api.linalg;

/**
 * The LU decomposition with partial pivoting of a square matrix, {@code A = P·L·U}: P a
 * permutation, L unit lower triangular, U upper triangular; in double precision on the host.
 * Matrices are row-major {@code double[rows][cols]}. It gives {@code log|det A| = Σ log|u_ii|} and
 * {@code A⁻¹}.
 *
 * <p>It is written here, once, because DJL's public API has no LU, det or slogdet (PyTorch's live
 * behind the engine's internals, which platform-api may not use). The sizes involved (a Jacobian of
 * a few dozen dimensions, a 1×1 convolution of a few hundred channels) keep O(n³) cheap.
 */
public final class Lu {
  /** L below the diagonal (its unit diagonal implied), U on and above, rows in pivoted order. */
  private final double[][] lu;

  /** Row i of the pivoted matrix is row {@code rowOf[i]} of A. */
  private final int[] rowOf;

  private final boolean singular;

  /** Row swaps the pivoting made: P's determinant is (−1)^swaps. */
  private final int swaps;

  private Lu(double[][] lu, int[] rowOf, boolean singular, int swaps) {
    this.lu = lu;
    this.rowOf = rowOf;
    this.singular = singular;
    this.swaps = swaps;
  }

  /**
   * Decomposes {@code a} (not modified) by Doolittle elimination, taking at each column the row
   * with the largest absolute entry as pivot.
   *
   * @throws IllegalArgumentException when {@code a} is not square
   */
  public static Lu of(double[][] a) {
    int n = a.length;
    double[][] m = new double[n][];
    for (int i = 0; i < n; i++) {
      if (a[i].length != n) {
        throw new IllegalArgumentException(
            "LU needs a square matrix, got " + n + " rows and a row of " + a[i].length);
      }
      m[i] = a[i].clone();
    }
    int[] rowOf = new int[n];
    for (int i = 0; i < n; i++) {
      rowOf[i] = i;
    }
    boolean singular = false;
    int swaps = 0;
    for (int k = 0; k < n; k++) {
      int p = k;
      for (int i = k + 1; i < n; i++) {
        if (Math.abs(m[i][k]) > Math.abs(m[p][k])) {
          p = i;
        }
      }
      if (m[p][k] == 0) {
        singular = true; // the column is zero from row k down: L's column stays zero
        continue;
      }
      if (p != k) {
        double[] row = m[p];
        m[p] = m[k];
        m[k] = row;
        int r = rowOf[p];
        rowOf[p] = rowOf[k];
        rowOf[k] = r;
        swaps++;
      }
      for (int i = k + 1; i < n; i++) {
        double f = m[i][k] / m[k][k];
        m[i][k] = f;
        for (int c = k + 1; c < n; c++) {
          m[i][c] -= f * m[k][c];
        }
      }
    }
    return new Lu(m, rowOf, singular, swaps);
  }

  /** {@code log|det a|} by LU; {@code −∞} when {@code a} is singular. */
  public static double logAbsDet(double[][] a) {
    return of(a).logAbsDet();
  }

  /** Whether A is singular (a zero pivot): then it has no inverse and {@code log|det A| = −∞}. */
  public boolean singular() {
    return singular;
  }

  /** The sign of {@code det A}: 1 or −1, 0 when A is singular. */
  public int determinantSign() {
    if (singular) {
      return 0;
    }
    int sign = swaps % 2 == 0 ? 1 : -1;
    for (int i = 0; i < lu.length; i++) {
      sign *= lu[i][i] < 0 ? -1 : 1;
    }
    return sign;
  }

  /** {@code log|det A| = Σ log|u_ii|}; {@code −∞} when A is singular. */
  public double logAbsDet() {
    if (singular) {
      return Double.NEGATIVE_INFINITY;
    }
    double sum = 0;
    for (int i = 0; i < lu.length; i++) {
      sum += Math.log(Math.abs(lu[i][i]));
    }
    return sum;
  }

  /**
   * {@code A⁻¹ = U⁻¹·L⁻¹·Pᵀ}, by forward and back substitution on each column of {@code Pᵀ}.
   *
   * @throws IllegalStateException when A is singular
   */
  public double[][] inverse() {
    if (singular) {
      throw new IllegalStateException("the matrix is singular: it has no inverse");
    }
    int n = lu.length;
    double[][] inv = new double[n][n];
    for (int col = 0; col < n; col++) {
      double[] x = new double[n];
      for (int i = 0; i < n; i++) {
        double s = rowOf[i] == col ? 1 : 0;
        for (int k = 0; k < i; k++) {
          s -= lu[i][k] * x[k];
        }
        x[i] = s;
      }
      for (int i = n - 1; i >= 0; i--) {
        double s = x[i];
        for (int k = i + 1; k < n; k++) {
          s -= lu[i][k] * x[k];
        }
        x[i] = s / lu[i][i];
      }
      for (int i = 0; i < n; i++) {
        inv[i][col] = x[i];
      }
    }
    return inv;
  }

  /** P: the permutation matrix with {@code A = P·L·U}. */
  public double[][] permutation() {
    int n = lu.length;
    double[][] p = new double[n][n];
    for (int i = 0; i < n; i++) {
      p[rowOf[i]][i] = 1;
    }
    return p;
  }

  /** L: unit lower triangular. */
  public double[][] lower() {
    int n = lu.length;
    double[][] l = new double[n][n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(lu[i], 0, l[i], 0, i);
      l[i][i] = 1;
    }
    return l;
  }

  /** U: upper triangular; its diagonal carries {@code |det A|}. */
  public double[][] upper() {
    int n = lu.length;
    double[][] u = new double[n][n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(lu[i], i, u[i], i, n - i);
    }
    return u;
  }
}
