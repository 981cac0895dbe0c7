package org.flowlab.plugins.ffjord;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.Arrays;
import java.util.List;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.nn.Parameter;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.random.Seeds;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.testkit.FlowChecks;
import org.junit.jupiter.api.Test;

/** FFJORD's estimators, solvers, end time, regularisers and figures on small perturbed flows. */
class FfjordTest {
  private static final long SEED = 17;

  /** A config with the given solver settings and regulariser weights; hidden [8], softplus. */
  private static FfjordConfig config(
      int blocks,
      String solver,
      Double tol,
      int steps,
      String trace,
      String noise,
      Integer exactMaxDim,
      Double kinetic,
      Double jacobian) {
    return new FfjordConfig(
        blocks,
        List.of(8),
        "softplus",
        "concatsquash",
        0.8,
        true,
        solver,
        tol,
        tol,
        tol,
        tol,
        steps,
        null,
        trace,
        noise,
        exactMaxDim,
        false,
        kinetic,
        jacobian,
        null,
        null);
  }

  private static FfjordConfig rk4(int steps, String noise) {
    return config(1, "rk4", null, steps, null, noise, null, null, null);
  }

  private static Flow perturbed(NDManager m, FfjordConfig config, int d, double std) {
    Flow flow =
        new FfjordFamily()
            .build(config, new BuildContext(new Shape(d), ParameterScope.root(m, SEED)));
    FlowChecks.perturb(flow, SEED, std);
    return flow;
  }

  private static NDArray normal(NDManager m, int n, int d, String purpose) {
    return m.create(Seeds.normal(Seeds.stream(SEED, purpose), n * d), new Shape(n, d));
  }

  /**
   * With fixed-step RK4 the trajectory does not depend on the probe and the trace enters linearly,
   * so the mean of many Hutchinson log-dets must equal the exact-trace log-det of the same solve:
   * within 3 standard errors, for 4 points × 5000 probes each and for their pooled mean, Rademacher
   * and Gaussian. (Checked: a 10% bias in the estimator fails it.)
   */
  @Test
  void hutchinsonLogDetIsUnbiased() {
    int points = 4;
    int probes = 5000;
    int d = 3;
    for (String noise : List.of("rademacher", "gaussian")) {
      try (NDManager m = NDManager.newBaseManager()) {
        Flow flow = perturbed(m, rk4(6, noise), d, 0.4);
        NDArray x = normal(m, points, d, "unbiased");
        Transformed exact = flow.encode(x, LogDetMode.EXACT);
        assertEquals(LogDetMode.EXACT, exact.mode());
        float[] want = exact.logDet().toFloatArray();
        Engine.getInstance().setRandomSeed(11);
        NDArray repeated = x.tile(new long[] {probes, 1}); // row r is point r % points
        Transformed est = flow.encode(repeated, LogDetMode.ESTIMATE);
        assertEquals(LogDetMode.ESTIMATE, est.mode());
        assertTrue(
            FlowChecks.maxAbsDiff(est.value(), exact.value().tile(new long[] {probes, 1})) < 1e-5,
            "the probe does not change the trajectory");
        float[] got = est.logDet().toFloatArray();
        double pooledBias = 0;
        double pooledVar = 0;
        for (int p = 0; p < points; p++) {
          double sum = 0;
          double sq = 0;
          for (int r = 0; r < probes; r++) {
            double v = got[r * points + p];
            sum += v;
            sq += v * v;
          }
          double mean = sum / probes;
          double se = Math.sqrt((sq / probes - mean * mean) / (probes - 1));
          assertTrue(se > 1e-4, noise + ": the estimator must vary (se " + se + ")");
          assertTrue(
              Math.abs(mean - want[p]) <= 3 * se,
              noise + " point " + p + ": mean " + mean + " vs exact " + want[p] + ", se " + se);
          pooledBias += (mean - want[p]) / points;
          pooledVar += se * se / (points * points);
        }
        double pooledSe = Math.sqrt(pooledVar);
        assertTrue(
            Math.abs(pooledBias) <= 3 * pooledSe,
            noise + ": pooled bias " + pooledBias + ", se " + pooledSe);
      }
    }
  }

  /**
   * The Jacobian-norm penalty from Hutchinson probes ({@code ‖Jε‖²}) averages to the exact {@code
   * ∫‖J‖_F²}; the kinetic energy does not depend on the trace method.
   */
  @Test
  void regularisersAreUnbiasedAndConsistent() {
    try (NDManager m = NDManager.newBaseManager()) {
      Flow flow = perturbed(m, config(1, "rk4", null, 6, null, null, null, 0.5, 2.0), 2, 0.4);
      NDArray x = normal(m, 8, 2, "penalty");
      flow.encode(x, LogDetMode.EXACT);
      double exact = flow.penalty().getFloat();
      Flow kineticOnly =
          perturbed(m, config(1, "rk4", null, 6, null, null, null, 0.5, null), 2, 0.4);
      kineticOnly.encode(x, LogDetMode.EXACT);
      double kineticExact = kineticOnly.penalty().getFloat();
      Engine.getInstance().setRandomSeed(3);
      kineticOnly.encode(x, LogDetMode.ESTIMATE);
      assertEquals(kineticExact, kineticOnly.penalty().getFloat(), 1e-5 * kineticExact);
      assertTrue(kineticExact > 1e-3, "kinetic energy of a moving flow: " + kineticExact);
      double jacobianExact = exact - kineticExact;
      assertTrue(jacobianExact > 1e-3, "jacobian penalty " + jacobianExact);

      int runs = 40;
      double[] est = new double[runs];
      for (int i = 0; i < runs; i++) {
        Engine.getInstance().setRandomSeed(100 + i);
        flow.encode(x, LogDetMode.ESTIMATE);
        est[i] = flow.penalty().getFloat() - kineticExact;
      }
      double mean = Arrays.stream(est).average().orElseThrow();
      double var = Arrays.stream(est).map(v -> (v - mean) * (v - mean)).sum() / (runs - 1);
      double se = Math.sqrt(var / runs);
      assertTrue(se > 1e-5, "the estimate must vary");
      assertTrue(
          Math.abs(mean - jacobianExact) <= 3 * se,
          "mean " + mean + " vs exact " + jacobianExact + ", se " + se);

      Flow plain = perturbed(m, rk4(6, null), 2, 0.4);
      plain.encode(x, LogDetMode.EXACT);
      assertNull(plain.penalty(), "no regulariser, no penalty");
    }
  }

  /**
   * On a strongly perturbed ("trained-ish") two-block flow, dopri5 matches a 400-step RK4 solve.
   */
  @Test
  void dopri5AgreesWithAFineRk4Solve() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = normal(m, 32, 2, "dopri");
      Flow reference =
          perturbed(m, config(2, "rk4", null, 100, null, null, null, null, null), 2, 0.6);
      Transformed ref = reference.encode(x, LogDetMode.EXACT);
      assertTrue(FlowChecks.maxAbsDiff(ref.value(), x) > 0.1, "the flow moves the points");
      double previous = Double.POSITIVE_INFINITY;
      for (double tol : new double[] {1e-3, 1e-5}) {
        Flow flow = perturbed(m, config(2, "dopri5", tol, 1, null, null, null, null, null), 2, 0.6);
        Transformed t = flow.encode(x, LogDetMode.EXACT);
        double err =
            Math.max(
                FlowChecks.maxAbsDiff(t.value(), ref.value()),
                FlowChecks.maxAbsDiff(t.logDet(), ref.logDet()));
        // global error within a small multiple of the local tolerance (as in OdeSolverTest)
        assertTrue(err <= 25 * tol + 2e-5, "tol " + tol + ": max error " + err);
        assertTrue(err < previous, "tighter tolerance, smaller error");
        previous = err;
        double nfe = flow.figures().get("nfe");
        assertTrue(nfe >= 2 * 8, "two adaptive solves of at least one step each: " + nfe);
        double back = FlowChecks.maxAbsDiff(flow.decode(t.value()), x);
        assertTrue(back <= 25 * tol + 2e-5, "tol " + tol + ": inverse error " + back);
      }
    }
  }

  /**
   * The gradient of the exact log-likelihood with respect to the end-time parameter (backprop
   * through the solver) matches central finite differences.
   */
  @Test
  void endTimeGetsTheRightGradient() {
    try (NDManager m = NDManager.newBaseManager()) {
      Flow flow = perturbed(m, rk4(8, null), 2, 0.4);
      NDArray x = normal(m, 16, 2, "end-time");
      Parameter raw =
          flow.parameters().stream()
              .filter(p -> p.name().equals("block.0.cnf.end_time_raw"))
              .findFirst()
              .orElseThrow();
      double analytic;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        gc.backward(flow.logProb(x, LogDetMode.EXACT).value().mean());
        analytic = raw.value().getGradient().getFloat();
      }
      double r0 = raw.value().getFloat();
      double h = 1e-2;
      double[] loss = new double[2];
      for (int s = 0; s < 2; s++) {
        try (NDManager scratch = m.newSubManager()) {
          raw.assign(scratch.create(new float[] {(float) (r0 + (s == 0 ? h : -h))}));
          loss[s] = flow.logProb(x, LogDetMode.EXACT).value().mean().getFloat();
        }
      }
      double numeric = (loss[0] - loss[1]) / (2 * h);
      assertTrue(Math.abs(numeric) > 1e-2, "a vacuous test: d loss / d T = " + numeric);
      assertEquals(numeric, analytic, 2e-2 * Math.abs(numeric) + 1e-4, "d mean log p / d raw T");
    }
  }

  @Test
  void modesFiguresAndIdentityStart() {
    try (NDManager m = NDManager.newBaseManager()) {
      FfjordConfig capped = config(2, "rk4", null, 5, null, null, 2, null, null);
      Flow flow3 = perturbed(m, capped, 3, 0.3);
      NDArray x3 = normal(m, 4, 3, "modes");
      assertEquals(
          LogDetMode.ESTIMATE,
          flow3.encode(x3, LogDetMode.EXACT).mode(),
          "d = 3 above exact_max_dim = 2: EXACT falls back to the estimator");
      assertEquals(2 * 4 * 5.0, flow3.figures().get("nfe"), "rk4: 4 evaluations per step, summed");
      assertEquals(2 * 5.0, flow3.figures().get("ode_steps"));
      assertEquals(
          2 * 4 * 5.0, flow3.figures().get("nfe_backward"), "rk4: all of them in the graph");
      Flow flow2 = perturbed(m, capped, 2, 0.3);
      NDArray x2 = normal(m, 4, 2, "modes");
      assertEquals(LogDetMode.EXACT, flow2.encode(x2, LogDetMode.EXACT).mode());
      assertEquals(LogDetMode.ESTIMATE, flow2.encode(x2, LogDetMode.ESTIMATE).mode());
      Flow exactTraining =
          perturbed(m, config(1, "rk4", null, 5, "exact", null, null, null, null), 2, 0.3);
      assertEquals(LogDetMode.EXACT, exactTraining.encode(x2, LogDetMode.ESTIMATE).mode());

      // Probes come from the engine generator: the same seed gives the same estimate.
      Engine.getInstance().setRandomSeed(5);
      float[] a = flow2.encode(x2, LogDetMode.ESTIMATE).logDet().toFloatArray();
      Engine.getInstance().setRandomSeed(5);
      float[] b = flow2.encode(x2, LogDetMode.ESTIMATE).logDet().toFloatArray();
      Engine.getInstance().setRandomSeed(6);
      float[] c = flow2.encode(x2, LogDetMode.ESTIMATE).logDet().toFloatArray();
      assertArrayEquals(a, b);
      assertTrue(!Arrays.equals(a, c), "another seed, other probes");

      // Untrained (zero last layer, actnorm not yet initialised): the identity, exactly.
      Flow fresh =
          new FfjordFamily()
              .build(
                  FfjordConfig.defaults(),
                  new BuildContext(new Shape(2), ParameterScope.root(m, 1)));
      Transformed t = fresh.encode(x2, LogDetMode.EXACT);
      assertArrayEquals(x2.toFloatArray(), t.value().toFloatArray());
      assertArrayEquals(new float[4], t.logDet().toFloatArray());
      assertEquals(0.5, fresh.figures().get("end_time"), 1e-6);
    }
  }
}
