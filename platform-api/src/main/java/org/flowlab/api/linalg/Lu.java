package org.flowlab.api.linalg;

import org.apache.commons.math3.linear.LUDecomposition;
import org.apache.commons.math3.linear.MatrixUtils;
import org.apache.commons.math3.linear.RealMatrix;

/**
 * The LU decomposition with partial pivoting of a square matrix, {@code A = P·L·U}: P a
 * permutation, L unit lower triangular, U upper triangular; in double precision on the host, by
 * Apache Commons Math's {@link LUDecomposition}. Matrices are row-major {@code double[rows][cols]}.
 * It gives {@code log|det A| = Σ log|u_ii|} (no overflow for large matrices), the sign of {@code
 * det A}, {@code A⁻¹} and the factors.
 *
 * <p>Plugins see linear algebra through this class only (they compile against platform-api, not
 * Commons Math); DJL's public API has no LU, det or slogdet.
 */
public final class Lu {
  private final LUDecomposition decomposition;
  private final int n;

  private Lu(LUDecomposition decomposition, int n) {
    this.decomposition = decomposition;
    this.n = n;
  }

  /**
   * Decomposes {@code a} (not modified). Only an exactly zero pivot makes it singular, as in
   * LAPACK's {@code getrf}; a nearly singular matrix gets a very negative log-determinant.
   *
   * @throws IllegalArgumentException when {@code a} is not square
   */
  public static Lu of(double[][] a) {
    for (double[] row : a) {
      if (row.length != a.length) {
        throw new IllegalArgumentException(
            "LU needs a square matrix, got " + a.length + " rows and a row of " + row.length);
      }
    }
    RealMatrix m = MatrixUtils.createRealMatrix(a);
    return new Lu(new LUDecomposition(m, Double.MIN_VALUE), a.length);
  }

  /** {@code log|det a|} by LU; {@code −∞} when {@code a} is singular. */
  public static double logAbsDet(double[][] a) {
    return of(a).logAbsDet();
  }

  /** Whether A is singular (a zero pivot): then it has no inverse and {@code log|det A| = −∞}. */
  public boolean singular() {
    return !decomposition.getSolver().isNonSingular();
  }

  /** The sign of {@code det A}: 1 or −1, 0 when A is singular. */
  public int determinantSign() {
    if (singular()) {
      return 0;
    }
    int sign = permutationSign();
    RealMatrix u = decomposition.getU();
    for (int i = 0; i < n; i++) {
      sign *= u.getEntry(i, i) < 0 ? -1 : 1;
    }
    return sign;
  }

  /** {@code log|det A| = Σ log|u_ii|}; {@code −∞} when A is singular. */
  public double logAbsDet() {
    if (singular()) {
      return Double.NEGATIVE_INFINITY;
    }
    RealMatrix u = decomposition.getU();
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += Math.log(Math.abs(u.getEntry(i, i)));
    }
    return sum;
  }

  /**
   * {@code A⁻¹}.
   *
   * @throws IllegalStateException when A is singular
   */
  public double[][] inverse() {
    return nonSingular().getSolver().getInverse().getData();
  }

  /**
   * P: the permutation matrix with {@code A = P·L·U}.
   *
   * @throws IllegalStateException when A is singular
   */
  public double[][] permutation() {
    // Commons Math factors P'·A = L·U; our P is its transpose.
    return nonSingular().getP().transpose().getData();
  }

  /**
   * L: unit lower triangular.
   *
   * @throws IllegalStateException when A is singular
   */
  public double[][] lower() {
    return nonSingular().getL().getData();
  }

  /**
   * U: upper triangular; its diagonal carries {@code |det A|}.
   *
   * @throws IllegalStateException when A is singular
   */
  public double[][] upper() {
    return nonSingular().getU().getData();
  }

  private LUDecomposition nonSingular() {
    if (singular()) {
      throw new IllegalStateException("the matrix is singular: it has no inverse or factors");
    }
    return decomposition;
  }

  /** (−1)^(n − cycles) of the row permutation. */
  private int permutationSign() {
    int[] pivot = decomposition.getPivot();
    boolean[] seen = new boolean[n];
    int sign = 1;
    for (int start = 0; start < n; start++) {
      if (seen[start]) {
        continue;
      }
      int length = 0;
      for (int i = start; !seen[i]; i = pivot[i]) {
        seen[i] = true;
        length++;
      }
      if (length % 2 == 0) {
        sign = -sign;
      }
    }
    return sign;
  }
}
