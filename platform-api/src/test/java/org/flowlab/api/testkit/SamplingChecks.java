package org.flowlab.api.testkit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.linalg.Lu;
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
    return orientations(flow, z, null);
  }

  /**
   * {@link #orientations(Flow, NDArray)} of a conditional flow, each latent at its own context row
   * ({@code context} null for an unconditional flow).
   */
  public static int[] orientations(Flow flow, NDArray z, NDArray context) {
    double[][][] jac = FlowChecks.jacobians(in -> flow.decodeWithLogDet(in, context).value(), z);
    int[] signs = new int[jac.length];
    for (int s = 0; s < jac.length; s++) {
      signs[s] = Lu.of(jac[s]).determinantSign();
    }
    return signs;
  }

  /**
   * Asserts that {@code det ∂x/∂z} has one sign, never 0, on {@link #ORIENTATION_POINTS} latents
   * drawn from the flow's base (seeded): a bijection's Jacobian never changes sign.
   */
  public static void assertOrientationKept(Flow flow, long seed) {
    assertOrientationKept(flow, null, seed);
  }

  /**
   * {@link #assertOrientationKept(Flow, long)} of a conditional flow: latent s at context row s of
   * {@code context} ({@value #ORIENTATION_POINTS} rows; null for an unconditional flow), so an
   * amortised layer's constraint is checked at each context.
   */
  public static void assertOrientationKept(Flow flow, NDArray context, long seed) {
    try (NDManager scratch = NDManager.newBaseManager()) {
      NDArray z =
          flow.base()
              .sample(
                  scratch,
                  flow.latentShape(),
                  ORIENTATION_POINTS,
                  1.0,
                  Seeds.stream(seed, "orientation"));
      int[] signs = orientations(flow, z, context);
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
}
