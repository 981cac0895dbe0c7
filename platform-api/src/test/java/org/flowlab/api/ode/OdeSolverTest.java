package org.flowlab.api.ode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.flowlab.api.random.Seeds;
import org.flowlab.api.testkit.FlowChecks;
import org.junit.jupiter.api.Test;

/**
 * The solvers against closed-form solutions (exponential growth and decay, the harmonic
 * oscillator), against each other on nonlinear dynamics, and their gradients, NFE counts and
 * failures.
 */
class OdeSolverTest {
  private static NDArray normal(NDManager m, Shape shape, String purpose) {
    return m.create(Seeds.normal(Seeds.stream(3, purpose), Math.toIntExact(shape.size())), shape);
  }

  private static double maxRelErr(NDArray got, NDArray want) {
    float[] g = got.toFloatArray();
    float[] w = want.toFloatArray();
    double max = 0;
    for (int i = 0; i < g.length; i++) {
      max = Math.max(max, Math.abs(g[i] - w[i]) / Math.max(1, Math.abs(w[i])));
    }
    return max;
  }

  @Test
  void exponentialMatchesTheClosedFormForwardAndBackward() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray y0 = normal(m, new Shape(4, 3), "y0");
      for (double lambda : new double[] {-1.3, 0.8}) {
        Dynamics f = (t, s) -> new NDList(s.get(0).mul((float) lambda));
        for (OdeSolver solver :
            new OdeSolver[] {new DormandPrince(1e-7, 1e-7), new RungeKutta4(100)}) {
          NDArray y1 = solver.solve(f, new NDList(y0), 0.5, 2.0).state().get(0);
          double err = maxRelErr(y1, y0.mul((float) Math.exp(1.5 * lambda)));
          assertTrue(err < 2e-5, solver.describe() + " λ=" + lambda + ": error " + err);
          NDArray back = solver.solve(f, new NDList(y1), 2.0, 0.5).state().get(0);
          double backErr = maxRelErr(back, y0);
          assertTrue(backErr < 2e-5, solver.describe() + " backwards: error " + backErr);
        }
      }
    }
  }

  @Test
  void harmonicOscillatorMatchesTheClosedForm() {
    double omega = 1.7;
    double t1 = 2 * Math.PI;
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x0 = normal(m, new Shape(5), "x0");
      NDArray v0 = normal(m, new Shape(5), "v0");
      Dynamics f = (t, s) -> new NDList(s.get(1), s.get(0).mul((float) (-omega * omega)));
      NDArray xExact =
          x0.mul((float) Math.cos(omega * t1)).add(v0.mul((float) (Math.sin(omega * t1) / omega)));
      NDArray vExact =
          v0.mul((float) Math.cos(omega * t1)).sub(x0.mul((float) (omega * Math.sin(omega * t1))));
      for (OdeSolver solver :
          new OdeSolver[] {new DormandPrince(1e-7, 1e-7), new RungeKutta4(400)}) {
        Solution sol = solver.solve(f, new NDList(x0, v0), 0, t1);
        double err =
            Math.max(maxRelErr(sol.state().get(0), xExact), maxRelErr(sol.state().get(1), vExact));
        assertTrue(err < 5e-5, solver.describe() + ": error " + err);
      }
      // A loose tolerance is less accurate and cheaper: the controller does adapt.
      Solution loose = new DormandPrince(1e-3, 1e-3).solve(f, new NDList(x0, v0), 0, t1);
      Solution tight = new DormandPrince(1e-7, 1e-7).solve(f, new NDList(x0, v0), 0, t1);
      assertTrue(loose.nfe() < tight.nfe(), loose.nfe() + " vs " + tight.nfe());
      double looseErr = maxRelErr(loose.state().get(0), xExact);
      // measured 0.02 over 1.7 periods at tolerance 1e-3
      assertTrue(looseErr > 1e-5 && looseErr < 5e-2, "loose error " + looseErr);
    }
  }

  /** Nonlinear, time-dependent dynamics: a random tanh network with a time input. */
  private static Dynamics network(NDManager m) {
    NDArray w1 = normal(m, new Shape(3, 8), "w1");
    NDArray w2 = normal(m, new Shape(8, 3), "w2").mul(0.5f);
    NDArray b = normal(m, new Shape(8), "b");
    return (t, s) ->
        new NDList(s.get(0).matMul(w1).add(b.mul((float) Math.sin(3 * t))).tanh().matMul(w2));
  }

  /**
   * Dopri5 at three tolerances against a 2000-step RK4 solve of the same nonlinear dynamics: the
   * error shrinks with the tolerance and stays within a small multiple of it.
   */
  @Test
  void dopri5AgreesWithAFineRk4SolveToItsTolerance() {
    try (NDManager m = NDManager.newBaseManager()) {
      Dynamics f = network(m);
      NDList y0 = new NDList(normal(m, new Shape(16, 3), "y0"));
      NDArray reference = new RungeKutta4(2000).solve(f, y0, 0, 2).state().get(0);
      double previous = Double.POSITIVE_INFINITY;
      for (double tol : new double[] {1e-3, 1e-4, 1e-5}) {
        Solution sol = new DormandPrince(tol, tol).solve(f, y0, 0, 2);
        double err = maxRelErr(sol.state().get(0), reference);
        // Local error control: the global error is a modest multiple of the tolerance (measured
        // 18x at 1e-3, 10x at 1e-5), plus the float32 floor of the 2000-step reference.
        assertTrue(err <= 25 * tol + 1e-5, "tol " + tol + ": error " + err);
        assertTrue(err < previous, "tighter tolerance, smaller error: " + err);
        previous = err;
        assertEquals(2 + 6 * (sol.steps() + sol.rejected()), sol.nfe(), "dopri5 NFE");
      }
    }
  }

  @Test
  void gradientsFlowThroughTheAcceptedSteps() {
    try (NDManager m = NDManager.newBaseManager()) {
      for (OdeSolver solver :
          new OdeSolver[] {new DormandPrince(1e-7, 1e-7), new RungeKutta4(50)}) {
        // Fresh leaves in a scratch manager per solve, as FlowChecks does.
        try (NDManager scratch = m.newSubManager()) {
          NDArray lambda = scratch.create(new float[] {-0.6f});
          lambda.setRequiresGradient(true);
          NDArray y0 = scratch.create(new float[] {0.5f, -1.2f, 2f});
          y0.setRequiresGradient(true);
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray y1 =
                solver
                    .solve((t, s) -> new NDList(s.get(0).mul(lambda)), new NDList(y0), 0, 1)
                    .state()
                    .get(0);
            gc.backward(y1.sum());
          }
          double e = Math.exp(-0.6);
          for (float g : y0.getGradient().toFloatArray()) {
            assertEquals(e, g, 1e-5, solver.describe() + ": d y(1) / d y0 = exp(λ)");
          }
          // d Σ y(1) / dλ = Σ y0 · exp(λ)
          assertEquals(
              (0.5 - 1.2 + 2) * e,
              lambda.getGradient().getFloat(),
              1e-5,
              solver.describe() + ": d y(1) / dλ");
        }
      }
    }
  }

  @Test
  void withoutAutogradALongSolveKeepsOnlyItsState() {
    try (NDManager m = NDManager.newBaseManager()) {
      for (OdeSolver solver :
          new OdeSolver[] {new DormandPrince(1e-9, 1e-9), new RungeKutta4(400)}) {
        try (NDManager scratch = m.newSubManager()) {
          NDArray lambda = scratch.create(new float[] {-0.6f});
          lambda.setRequiresGradient(true); // a parameter, but no gradient collector is open
          NDArray y0 = scratch.create(new float[] {0.5f, -1.2f, 2f});
          Solution s =
              solver.solve((t, y) -> new NDList(y.get(0).mul(lambda)), new NDList(y0), 0, 1);
          assertTrue(s.steps() >= 10, solver.describe() + " took " + s.steps() + " steps");
          int held = scratch.getManagedArrays().size();
          assertTrue(held < 20, solver.describe() + " still holds " + held + " arrays");
          double e = Math.exp(-0.6);
          assertEquals(2 * e, s.state().get(0).toFloatArray()[2], 1e-5, solver.describe());
          assertEquals(2f, y0.toFloatArray()[2], "the caller's state is untouched");
        }
      }
    }
  }

  @Test
  void theIdentityFieldDoesNotFreeTheCallersState() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray y0 = m.create(new float[] {1f, 2f});
      Solution s = new RungeKutta4(8).solve((t, y) -> new NDList(y.get(0)), new NDList(y0), 0, 1);
      assertEquals(Math.E, s.state().get(0).toFloatArray()[0], 1e-4);
      assertEquals(2f, y0.toFloatArray()[1]);
      Solution d =
          new DormandPrince(1e-6, 1e-6).solve((t, y) -> new NDList(y.get(0)), new NDList(y0), 0, 1);
      assertEquals(Math.E, d.state().get(0).toFloatArray()[0], 1e-4);
      assertEquals(2f, y0.toFloatArray()[1]);
    }
  }

  @Test
  void countsEvaluations() {
    try (NDManager m = NDManager.newBaseManager()) {
      int[] calls = {0};
      Dynamics f =
          (t, s) -> {
            calls[0]++;
            return new NDList(s.get(0).neg());
          };
      NDList y0 = new NDList(m.ones(new Shape(2)));
      Solution rk = new RungeKutta4(7).solve(f, y0, 0, 1);
      assertEquals(28, rk.nfe());
      assertEquals(28, calls[0]);
      calls[0] = 0;
      Solution dp = new DormandPrince(1e-6, 1e-6, 1000, 0, 0.05).solve(f, y0, 0, 1);
      assertEquals(calls[0], dp.nfe());
      assertEquals(1 + 6 * (dp.steps() + dp.rejected()), dp.nfe(), "a given first step");
      assertTrue(dp.steps() > 1);
    }
  }

  /**
   * nfeBackward counts the evaluations a backward pass differentiates: each evaluation adds its own
   * zero-valued leaf ("tap"), and exactly the taps of the evaluations the end state depends on get
   * a gradient.
   */
  @Test
  void backwardEvaluationsAreThoseInTheEndStatesGraph() {
    try (NDManager m = NDManager.newBaseManager()) {
      for (OdeSolver solver :
          new OdeSolver[] {new RungeKutta4(5), new DormandPrince(1e-6, 1e-6, 1000, 0, 0.5)}) {
        try (NDManager scratch = m.newSubManager()) {
          NDArray[] taps = new NDArray[400];
          for (int i = 0; i < taps.length; i++) {
            taps[i] = scratch.zeros(new Shape(1));
            taps[i].setRequiresGradient(true);
          }
          int[] calls = {0};
          Dynamics f =
              (t, s) -> {
                NDArray y = s.get(0);
                return new NDList(y.mul(y).neg().add(taps[calls[0]++]));
              };
          NDArray y0 = scratch.create(new float[] {0.5f, 1.2f, 2f});
          Solution sol;
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            sol = solver.solve(f, new NDList(y0), 0, 1);
            gc.backward(sol.state().get(0).sum());
          }
          int differentiated = 0;
          for (int i = 0; i < calls[0]; i++) {
            differentiated += taps[i].getGradient().getFloat() != 0 ? 1 : 0;
          }
          assertEquals(calls[0], sol.nfe(), solver.describe());
          assertEquals(differentiated, sol.nfeBackward(), solver.describe());
          assertTrue(sol.steps() > 1, solver.describe() + ": several steps");
          if (solver instanceof DormandPrince) {
            assertTrue(
                sol.nfe() > sol.nfeBackward(),
                "the last error stage and rejected steps are not in the graph");
          }
        }
      }
    }
  }

  @Test
  void tooManyStepsIsAClearError() {
    try (NDManager m = NDManager.newBaseManager()) {
      Dynamics f = network(m);
      OdeException e =
          assertThrows(
              OdeException.class,
              () ->
                  new DormandPrince(1e-9, 1e-9, 5, 0, 0)
                      .solve(f, new NDList(normal(m, new Shape(4, 3), "y")), 0, 5));
      assertTrue(e.getMessage().contains("within 5 steps"), e.getMessage());
      assertTrue(e.getMessage().startsWith("dopri5(atol=1.00e-09"), e.getMessage());
      Dynamics blowUp = (t, s) -> new NDList(s.get(0).square().mul(1e3f));
      OdeException diverged =
          assertThrows(
              OdeException.class,
              () ->
                  new DormandPrince(1e-6, 1e-6)
                      .solve(blowUp, new NDList(m.ones(new Shape(2))), 0, 1));
      assertTrue(
          diverged.getMessage().contains("underflow")
              || diverged.getMessage().contains("non-finite")
              || diverged.getMessage().contains("within"),
          diverged.getMessage());
      assertThrows(IllegalArgumentException.class, () -> new RungeKutta4(0));
      assertThrows(IllegalArgumentException.class, () -> new DormandPrince(0, 1e-5));
    }
  }

  @Test
  void onlyControlledTensorsDriveTheStepSize() {
    try (NDManager m = NDManager.newBaseManager()) {
      // The second tensor oscillates fast; the first decays slowly.
      Dynamics f =
          (t, s) ->
              new NDList(s.get(0).mul(-0.5f), s.get(1).onesLike().mul((float) Math.cos(200 * t)));
      NDList y0 = new NDList(m.ones(new Shape(3)), m.zeros(new Shape(3)));
      Solution all = new DormandPrince(1e-6, 1e-6, 10_000, 0, 0).solve(f, y0, 0, 1);
      Solution first = new DormandPrince(1e-6, 1e-6, 10_000, 1, 0).solve(f, y0, 0, 1);
      assertTrue(first.nfe() * 3 < all.nfe(), first.nfe() + " vs " + all.nfe());
      double err =
          FlowChecks.maxAbsDiff(
              first.state().get(0), m.ones(new Shape(3)).mul((float) Math.exp(-0.5)));
      assertTrue(err < 1e-5, "controlled tensor error " + err);
    }
  }
}
