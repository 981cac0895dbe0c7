package org.flowlab.plugins.glow;

import java.util.SplittableRandom;
import org.flowlab.api.random.Seeds;

/**
 * Small dense linear algebra in double precision on the Java side, for the invertible 1×1
 * convolution: a random rotation (its initial weight), the pivoted LU decomposition (its LU
 * parametrisation, its log|det| and its inverse). Matrices are row-major {@code
 * double[rows][cols]}; the channel counts involved are small (tens to a few hundred), so O(c³) here
 * is cheap.
 */
final class Matrices {
  private Matrices() {}

  /**
   * A pivoted LU decomposition {@code A = P·L·U}: P a permutation matrix, L unit lower triangular,
   * U upper triangular.
   *
   * @param p the permutation matrix
   * @param l unit lower triangular
   * @param u upper triangular; its diagonal carries the determinant up to P's sign
   */
  record Lu(double[][] p, double[][] l, double[][] u) {
    /** {@code log|det A| = Σ log|u_ii|}; −∞ when A is singular. */
    double logAbsDet() {
      double sum = 0;
      for (int i = 0; i < u.length; i++) {
        sum += Math.log(Math.abs(u[i][i]));
      }
      return sum;
    }

    /** {@code A⁻¹ = U⁻¹·L⁻¹·Pᵀ}, by forward and back substitution on each column of Pᵀ. */
    double[][] inverse() {
      int n = u.length;
      double[][] inv = new double[n][n];
      for (int col = 0; col < n; col++) {
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
          double s = p[col][i]; // (Pᵀ)[i][col]
          for (int k = 0; k < i; k++) {
            s -= l[i][k] * y[k];
          }
          y[i] = s;
        }
        for (int i = n - 1; i >= 0; i--) {
          double s = y[i];
          for (int k = i + 1; k < n; k++) {
            s -= u[i][k] * inv[k][col];
          }
          inv[i][col] = s / u[i][i];
        }
      }
      return inv;
    }
  }

  /** LU with partial pivoting (Doolittle): {@code a = P·L·U}. {@code a} is not modified. */
  static Lu lu(double[][] a) {
    int n = a.length;
    double[][] u = new double[n][];
    for (int i = 0; i < n; i++) {
      u[i] = a[i].clone();
    }
    double[][] l = new double[n][n];
    int[] rowOf = new int[n]; // row i of P·A... rowOf[i] = original row now at position i
    for (int i = 0; i < n; i++) {
      rowOf[i] = i;
    }
    for (int k = 0; k < n; k++) {
      int pivot = k;
      for (int i = k + 1; i < n; i++) {
        if (Math.abs(u[i][k]) > Math.abs(u[pivot][k])) {
          pivot = i;
        }
      }
      double[] t = u[k];
      u[k] = u[pivot];
      u[pivot] = t;
      t = l[k];
      l[k] = l[pivot];
      l[pivot] = t;
      int r = rowOf[k];
      rowOf[k] = rowOf[pivot];
      rowOf[pivot] = r;
      for (int i = k + 1; i < n; i++) {
        double f = u[k][k] == 0 ? 0 : u[i][k] / u[k][k];
        l[i][k] = f;
        for (int j = k; j < n; j++) {
          u[i][j] -= f * u[k][j];
        }
        u[i][k] = 0;
      }
    }
    double[][] p = new double[n][n];
    for (int i = 0; i < n; i++) {
      l[i][i] = 1;
      // (Pᵀ·A) row i = A row rowOf[i], so P has a 1 at (rowOf[i], i).
      p[rowOf[i]][i] = 1;
    }
    return new Lu(p, l, u);
  }

  /**
   * A random rotation: the Q of the QR decomposition of a c×c standard normal matrix drawn from
   * {@code rng}, each column's sign chosen so that R has a positive diagonal (which makes Q
   * Haar-distributed on the orthogonal group). Modified Gram–Schmidt in double precision.
   */
  static double[][] randomRotation(SplittableRandom rng, int c) {
    float[] g = Seeds.normal(rng, c * c);
    double[][] q = new double[c][c]; // columns are built in place
    for (int j = 0; j < c; j++) {
      double[] v = new double[c];
      for (int i = 0; i < c; i++) {
        v[i] = g[i * c + j];
      }
      for (int k = 0; k < j; k++) {
        double dot = 0;
        for (int i = 0; i < c; i++) {
          dot += q[i][k] * v[i];
        }
        for (int i = 0; i < c; i++) {
          v[i] -= dot * q[i][k];
        }
      }
      double norm = 0;
      for (double x : v) {
        norm += x * x;
      }
      norm = Math.sqrt(norm);
      for (int i = 0; i < c; i++) {
        q[i][j] = v[i] / norm; // R_jj = norm > 0
      }
    }
    return q;
  }

  /** Row-major float copy of a square matrix. */
  static float[] toFloats(double[][] m) {
    int n = m.length;
    float[] out = new float[n * n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        out[i * n + j] = (float) m[i][j];
      }
    }
    return out;
  }

  /** A square matrix from row-major floats. */
  static double[][] fromFloats(float[] v, int n) {
    double[][] m = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        m[i][j] = v[i * n + j];
      }
    }
    return m;
  }
}
