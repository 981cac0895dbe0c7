package org.flowlab.plugins.glow;

import java.util.SplittableRandom;
import org.flowlab.api.random.Seeds;

/**
 * Small dense matrices in double precision on the Java side, for the invertible 1×1 convolution: a
 * random rotation (its initial weight) and float conversions. Its LU parametrisation, log|det| and
 * inverse come from platform-api's {@link org.flowlab.api.linalg.Lu}. Matrices are row-major {@code
 * double[rows][cols]}.
 */
final class Matrices {
  private Matrices() {}

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
