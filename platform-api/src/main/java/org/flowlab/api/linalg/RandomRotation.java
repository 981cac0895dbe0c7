package org.flowlab.api.linalg;

import java.util.SplittableRandom;
import org.apache.commons.math3.linear.MatrixUtils;
import org.apache.commons.math3.linear.QRDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.flowlab.api.random.Seeds;

/**
 * A random rotation (orthogonal matrix) drawn from the Haar measure on the orthogonal group: the Q
 * of the QR decomposition of an n×n standard normal matrix, each column's sign chosen so that R has
 * a positive diagonal (Mezzadri, "How to generate random matrices from the classical compact
 * groups", 2007). Its determinant is +1 or −1. Double precision, by Apache Commons Math's {@link
 * QRDecomposition}; row-major {@code double[n][n]}.
 */
public final class RandomRotation {
  private RandomRotation() {}

  /**
   * Draws an n×n rotation from the n² standard normals {@code Seeds.normal(rng, n·n)} (row-major).
   */
  public static double[][] draw(SplittableRandom rng, int n) {
    float[] g = Seeds.normal(rng, n * n);
    double[][] a = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        a[i][j] = g[i * n + j];
      }
    }
    QRDecomposition qr = new QRDecomposition(MatrixUtils.createRealMatrix(a));
    RealMatrix r = qr.getR();
    double[][] q = qr.getQ().getData();
    for (int j = 0; j < n; j++) {
      if (r.getEntry(j, j) < 0) {
        for (int i = 0; i < n; i++) {
          q[i][j] = -q[i][j];
        }
      }
    }
    return q;
  }
}
