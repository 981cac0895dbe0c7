package org.flowlab.api.testkit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.random.Seeds;

/**
 * Checks of a flow's sampling direction (latent → data) that the log-det check cannot make: {@code
 * log|det|} hides the determinant's sign, so a map that folds space (a planar layer with {@code wᵀu
 * < −1}) passes it while two latents reach the same x and log q is wrong.
 */
public final class SamplingChecks {
  /** How many base latents {@link #assertOrientationKept} checks. */
  public static final int ORIENTATION_POINTS = 32;

  private SamplingChecks() {}

  /** The sign (−1, 0 or +1) of {@code det ∂x/∂z} of the latent → data map at each latent. */
  public static int[] orientations(Flow flow, NDArray z) {
    double[][][] jac = FlowChecks.jacobians(in -> flow.decodeWithLogDet(in).value(), z);
    int[] signs = new int[jac.length];
    for (int s = 0; s < jac.length; s++) {
      signs[s] = determinantSign(jac[s]);
    }
    return signs;
  }

  /**
   * Asserts that {@code det ∂x/∂z} has one sign, never 0, on {@link #ORIENTATION_POINTS} latents
   * drawn from the flow's base (seeded): a bijection's Jacobian never changes sign.
   */
  public static void assertOrientationKept(Flow flow, long seed) {
    try (NDManager scratch = NDManager.newBaseManager()) {
      NDArray z =
          flow.base()
              .sample(
                  scratch,
                  flow.latentShape(),
                  ORIENTATION_POINTS,
                  1.0,
                  Seeds.stream(seed, "orientation"));
      int[] signs = orientations(flow, z);
      for (int s = 0; s < signs.length; s++) {
        assertTrue(
            signs[s] != 0 && signs[s] == signs[0],
            "det ∂x/∂z has sign "
                + signs[0]
                + " at latent 0 and "
                + signs[s]
                + " at latent "
                + s
                + ": the latent → data map folds space, so it is not invertible");
      }
    }
  }

  /** The sign of a square matrix's determinant, by Gaussian elimination with partial pivoting. */
  static int determinantSign(double[][] matrix) {
    int d = matrix.length;
    double[][] m = new double[d][];
    for (int i = 0; i < d; i++) {
      m[i] = matrix[i].clone();
    }
    int sign = 1;
    for (int col = 0; col < d; col++) {
      int best = col;
      for (int r = col + 1; r < d; r++) {
        best = Math.abs(m[r][col]) > Math.abs(m[best][col]) ? r : best;
      }
      if (m[best][col] == 0) {
        return 0;
      }
      if (best != col) {
        double[] swap = m[best];
        m[best] = m[col];
        m[col] = swap;
        sign = -sign;
      }
      sign *= m[col][col] < 0 ? -1 : 1;
      for (int r = col + 1; r < d; r++) {
        double f = m[r][col] / m[col][col];
        for (int c = col; c < d; c++) {
          m[r][c] -= f * m[col][c];
        }
      }
    }
    return sign;
  }
}
