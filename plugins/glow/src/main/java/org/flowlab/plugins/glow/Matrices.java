package org.flowlab.plugins.glow;

/**
 * Float conversions of small dense matrices for the invertible 1×1 convolution. Its initial weight
 * ({@link org.flowlab.api.linalg.RandomRotation}), LU parametrisation, log|det| and inverse come
 * from platform-api's linalg. Matrices are row-major {@code double[rows][cols]}.
 */
final class Matrices {
  private Matrices() {}

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
