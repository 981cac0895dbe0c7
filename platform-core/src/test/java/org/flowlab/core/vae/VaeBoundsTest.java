package org.flowlab.core.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.core.config.VaeConfig;
import org.flowlab.core.data.Points;
import org.junit.jupiter.api.Test;

/**
 * The bounds on a fixed, untrained VAE small enough to integrate exactly: two binary pixels and a
 * 1-d latent, so {@code p(x) = ∫ p(x | z) N(z) dz} by the midpoint rule. In expectation ELBO ≤ IW-1
 * ≤ IW-10 ≤ IW-100 ≤ IW-1000 ≤ log p(x); averaged over 300 estimates per pattern, the ELBO and IW-1
 * lie below IW-10, IW-10 below IW-100, and IW-100 and IW-1000 agree with the exact log p(x) within
 * their Monte Carlo error. The chunked log-sum-exp survives log-weights of −2·10⁴.
 */
class VaeBoundsTest {
  private static final int COPIES = 300; // estimates averaged per pattern

  private static VaeModel tinyModel(NDManager m) {
    return VaeModel.build(new VaeConfig(1, List.of(8), "tanh", 1, null), null, 2, m, 11);
  }

  /** The four patterns 00, 01, 10, 11, each {@code copies} times in a row. */
  private static Points patterns(int copies) {
    float[] rows = new float[4 * copies * 2];
    for (int p = 0; p < 4; p++) {
      for (int c = 0; c < copies; c++) {
        rows[(p * copies + c) * 2] = p >> 1;
        rows[(p * copies + c) * 2 + 1] = p & 1;
      }
    }
    return Points.of(rows, 2);
  }

  /** log p(x) of the four patterns by the midpoint rule on z in [−12, 12]. */
  private static double[] exactLogLikelihoods(VaeModel model, NDManager m) {
    int n = 48_000;
    double h = 24.0 / n;
    float[] z = new float[n];
    for (int i = 0; i < n; i++) {
      z[i] = (float) (-12 + (i + 0.5) * h);
    }
    float[] logits = model.logits(m.create(z, new Shape(n, 1))).toFloatArray();
    double[] p = new double[4];
    for (int i = 0; i < n; i++) {
      double prior = Math.exp(-0.5 * z[i] * z[i]) / Math.sqrt(2 * Math.PI);
      double p1 = 1 / (1 + Math.exp(-logits[2 * i]));
      double p2 = 1 / (1 + Math.exp(-logits[2 * i + 1]));
      p[0] += prior * (1 - p1) * (1 - p2) * h;
      p[1] += prior * (1 - p1) * p2 * h;
      p[2] += prior * p1 * (1 - p2) * h;
      p[3] += prior * p1 * p2 * h;
    }
    double[] out = new double[4];
    for (int k = 0; k < 4; k++) {
      out[k] = Math.log(p[k]);
    }
    return out;
  }

  /** The mean IW-k estimate of each pattern over its copies. */
  private static double[] meanIw(VaeModel model, int k, NDManager m) {
    double[] each = VaeEvaluation.iwLogLikelihoods(model, patterns(COPIES), k, 5, m);
    double[] mean = new double[4];
    for (int i = 0; i < each.length; i++) {
      mean[i / COPIES] += each[i] / COPIES;
    }
    return mean;
  }

  @Test
  void elboBelowIwBoundsThatRiseWithKTowardTheExactMarginal() {
    try (NDManager m = NDManager.newBaseManager()) {
      VaeModel model = tinyModel(m);
      double[] exact = exactLogLikelihoods(model, m);
      double total = 0;
      for (double e : exact) {
        total += Math.exp(e);
      }
      assertEquals(1.0, total, 1e-4, "the four patterns' probabilities sum to 1");
      double[] iw1 = meanIw(model, 1, m);
      double[] iw10 = meanIw(model, 10, m);
      double[] iw100 = meanIw(model, 100, m);
      double[] iw1000 = meanIw(model, 1000, m);
      for (int p = 0; p < 4; p++) {
        float[] rows = new float[COPIES * 2];
        for (int c = 0; c < COPIES; c++) {
          rows[2 * c] = p >> 1;
          rows[2 * c + 1] = p & 1;
        }
        Points one = Points.of(rows, 2);
        double elbo = VaeObjective.meanElbo(model, one, 5, "elbo", m);
        String where =
            "pattern "
                + p
                + ": elbo "
                + elbo
                + ", iw "
                + iw1[p]
                + " "
                + iw10[p]
                + " "
                + iw100[p]
                + " "
                + iw1000[p]
                + ", exact "
                + exact[p];
        assertTrue(elbo < iw10[p] && iw1[p] < iw10[p], where);
        assertTrue(iw10[p] < iw100[p], where);
        // beyond k = 100 the gap to log p(x) is below the Monte Carlo error of 300 copies
        assertEquals(exact[p], iw100[p], 0.02, where);
        assertEquals(exact[p], iw1000[p], 0.01, where);
        assertTrue(exact[p] - iw10[p] > 3 * (exact[p] - iw1000[p]), where);
      }
    }
  }

  @Test
  void theEstimateSurvivesLogWeightsFarBelowFloatRange() {
    // 784 pixels all wrong under a confident decoder: log w ≈ −2·10^4, exp underflows in any
    // float; the running log-sum-exp stays finite and does not depend on the chunking.
    try (NDManager m = NDManager.newBaseManager()) {
      VaeModel model =
          VaeModel.build(new VaeConfig(2, List.of(16), "elu", 1, null), null, 784, m, 3);
      for (var p : model.parameters()) {
        if (p.name().startsWith("decoder.1.bias")) {
          p.assign(m.full(p.value().getShape(), 30f));
        }
      }
      float[] zeros = new float[784];
      Points x = Points.of(zeros, 784);
      double whole = VaeEvaluation.iwLogLikelihoods(model, x, 100, 1, 4000, m)[0];
      double chunked = VaeEvaluation.iwLogLikelihoods(model, x, 100, 1, 30, m)[0];
      assertTrue(Double.isFinite(whole) && whole < -10_000, "log p " + whole);
      // the same 100 draws, summed in one chunk or in chunks of 30, 30, 30 and 10
      assertEquals(whole, chunked, 1e-6 * Math.abs(whole));
    }
  }
}
