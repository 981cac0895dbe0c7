package org.flowlab.plugins.residual;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.flowlab.api.estimate.ExactLogDet;
import org.flowlab.api.estimate.PowerSeries;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.linalg.Lu;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.nn.SpectralNorm;
import org.flowlab.api.random.Seeds;
import org.flowlab.api.spi.BuildContext;
import org.junit.jupiter.api.Test;

/**
 * The residual block's estimators, inverse and Lipschitz bound on real (trained or strongly scaled)
 * networks.
 */
class ResidualBlockTest {
  private static NDArray normal(NDManager m, int n, int d, String purpose) {
    return m.create(Seeds.normal(Seeds.stream(9, purpose), n * d), new Shape(n, d));
  }

  /** A block whose raw weights are scaled up so that spectral normalisation is active. */
  private static ResidualBlock strongBlock(NDManager m, ResidualConfig config, int d) {
    ParameterScope scope = ParameterScope.root(m, 5);
    ResidualBlock block = new ResidualBlock(scope, "test", d, config);
    for (NDArray w : block.net().rawWeights()) {
      w.set(w.mul(6).toFloatArray());
    }
    return block;
  }

  @Test
  void iresnetTruncatedSeriesAveragesToTheExactTruncatedSeries() {
    try (NDManager m = NDManager.newBaseManager()) {
      int d = 3;
      ResidualConfig config =
          ResidualTesting.config("iresnet", 1, List.of(8), null, 0.9, null, null);
      ResidualBlock block = strongBlock(m, config, d);
      NDArray x = normal(m, 2, d, "x");
      block.forward(x, LogDetMode.ESTIMATE); // settle the stored power-iteration vectors
      // The exact truncated series from the full Jacobian (traces of J^k), per sample.
      LipschitzNet.Linearization lin = block.net().linearize(x, block.net().weights(false));
      double[][][] jac = ExactLogDet.jacobians(lin.jacobian(), x);
      double[] lu = new double[2];
      for (int s = 0; s < 2; s++) {
        double[][] a = new double[d][d];
        for (int r = 0; r < d; r++) {
          a[r] = jac[s][r].clone();
          a[r][r] += 1;
        }
        lu[s] = Lu.logAbsDet(a);
      }
      int draws = 1000;
      double[][] est = new double[2][draws];
      for (int i = 0; i < draws; i++) {
        Engine.getInstance().setRandomSeed(i);
        float[] e = block.forward(x, LogDetMode.ESTIMATE).logDet().toFloatArray();
        est[0][i] = e[0];
        est[1][i] = e[1];
      }
      assertEquals(5.0, block.figures().get("logdet_terms"));
      for (int s = 0; s < 2; s++) {
        double truncated = PowerSeries.exactTruncated(jac[s], config.seriesTerms());
        double mean = 0;
        for (double e : est[s]) {
          mean += e / draws;
        }
        double var = 0;
        for (double e : est[s]) {
          var += (e - mean) * (e - mean) / (draws - 1);
        }
        double se = Math.sqrt(var / draws);
        assertTrue(
            Math.abs(mean - truncated) <= 3 * se + 1e-5,
            "mean " + mean + " vs exact truncated series " + truncated + " (se " + se + ")");
        assertTrue(Math.abs(lu[s]) > 0.05, "the block must change volume: " + lu[s]);
        assertEquals(
            lu[s],
            block.forward(x, LogDetMode.EXACT).logDet().toFloatArray()[s],
            1e-5,
            "EXACT is the LU log-det");
      }
    }
  }

  @Test
  void spectralNormalisationKeepsLipschitzBelowOne() {
    try (NDManager m = NDManager.newBaseManager()) {
      int d = 4;
      ResidualConfig config =
          ResidualTesting.config("residual_flows", 1, List.of(16, 16), null, 0.97, null, null);
      ResidualBlock block = strongBlock(m, config, d);
      block.net().weights(true); // a training call refines the stored vectors
      // Evaluation weights (power iteration to convergence) carry the bound.
      List<NDArray> weights = block.net().weights(false);
      for (NDArray w : weights) {
        int rows = Math.toIntExact(w.getShape().get(0));
        int cols = Math.toIntExact(w.getShape().get(1));
        double sigma = SpectralNorm.largestSingularValue(w.toFloatArray(), rows, cols);
        assertTrue(sigma <= 0.97 * (1 + 1e-4), "σ of a normalised weight: " + sigma);
        assertTrue(sigma >= 0.9, "the scaled-up weight is normalised to about c: " + sigma);
      }
      // Lip(g) through the Jacobian's largest singular value at many points, and by differences.
      NDArray x = normal(m, 200, d, "lip");
      double[][][] jac = ExactLogDet.jacobians(block.net().linearize(x, weights).jacobian(), x);
      double worst = 0;
      for (double[][] j : jac) {
        float[] flat = new float[d * d];
        for (int r = 0; r < d; r++) {
          for (int c = 0; c < d; c++) {
            flat[r * d + c] = (float) j[r][c];
          }
        }
        worst = Math.max(worst, SpectralNorm.largestSingularValue(flat, d, d));
      }
      assertTrue(worst < 1, "max ‖J_g‖ = " + worst);
      NDArray y = normal(m, 200, d, "lip-other");
      NDArray gx = block.net().forward(x, weights);
      NDArray gy = block.net().forward(y, weights);
      float[] num = gx.sub(gy).square().sum(new int[] {1}).sqrt().toFloatArray();
      float[] den = x.sub(y).square().sum(new int[] {1}).sqrt().toFloatArray();
      for (int i = 0; i < num.length; i++) {
        assertTrue(num[i] / den[i] < 1, "|g(x) − g(y)| / |x − y| = " + num[i] / den[i]);
      }
    }
  }

  @Test
  void trainedIresnetInvertsToTheTolerance() {
    try (NDManager m = NDManager.newBaseManager()) {
      ResidualConfig config =
          ResidualTesting.config("iresnet", 4, List.of(32, 32), null, 0.9, null, null);
      Flow flow =
          new ResidualFamily()
              .build(config, new BuildContext(new Shape(2), ParameterScope.root(m, 3)));
      double before =
          -flow.logProb(ResidualTesting.eightGaussians(m, 2000, new SplittableRandom(1)))
              .mean()
              .getFloat();
      double loss = ResidualTesting.train(flow, m, 200, 5e-3, 2);
      double after =
          -flow.logProb(ResidualTesting.eightGaussians(m, 2000, new SplittableRandom(1)))
              .mean()
              .getFloat();
      assertTrue(after < before - 0.3, "training lowers the exact NLL: " + before + " → " + after);
      assertTrue(
          Math.abs(loss - after) < 0.5, "training loss " + loss + " near exact NLL " + after);

      NDArray z = flow.base().sample(m, new Shape(2), 500, 1.0, Seeds.stream(4, "z"));
      NDArray x = flow.decode(z);
      for (Bijector b : flow.bijectors()) {
        Map<String, Double> f = ((ResidualBlock) b).figures();
        assertTrue(f.get("inverse_residual") <= 1e-5, f.toString());
        assertTrue(f.get("inverse_iterations") >= 2, f.toString());
      }
      assertTrue(flow.figures().get("inverse_iterations") >= 8, flow.figures().toString());
      double err = flow.encode(x, LogDetMode.EXACT).value().sub(z).abs().max().getFloat();
      assertTrue(err <= 1e-4, "max |encode(decode(z)) − z| = " + err);
    }
  }

  @Test
  void anInverseThatCannotConvergeFailsLoudly() {
    try (NDManager m = NDManager.newBaseManager()) {
      ResidualConfig config =
          ResidualTesting.config("residual_flows", 1, List.of(8), null, 0.99, null, 2);
      ResidualBlock block = strongBlock(m, config, 2);
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> block.inverse(normal(m, 4, 2, "y")));
      assertTrue(
          e.getMessage().startsWith("test: the fixed-point inverse did not converge"),
          e.getMessage());
      assertEquals(2.0, block.figures().get("inverse_iterations"));
    }
  }

  @Test
  void exactModeFallsBackToAnEstimateAboveSixtyFourDimensions() {
    try (NDManager m = NDManager.newBaseManager()) {
      for (String variant : ResidualConfig.VARIANTS) {
        ResidualConfig config =
            ResidualTesting.config(variant, 1, List.of(8), null, 0.9, null, null);
        Flow small =
            new ResidualFamily()
                .build(config, new BuildContext(new Shape(64), ParameterScope.root(m, 1)));
        assertEquals(
            LogDetMode.EXACT, small.logProb(normal(m, 3, 64, "a"), LogDetMode.EXACT).mode());
        Flow big =
            new ResidualFamily()
                .build(config, new BuildContext(new Shape(65), ParameterScope.root(m, 1)));
        Engine.getInstance().setRandomSeed(1);
        assertEquals(
            LogDetMode.ESTIMATE, big.logProb(normal(m, 3, 65, "b"), LogDetMode.EXACT).mode());
        assertTrue(big.figures().get("logdet_terms") >= 20, big.figures().toString());
      }
    }
  }
}
