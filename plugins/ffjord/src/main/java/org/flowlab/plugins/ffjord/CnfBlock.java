package org.flowlab.plugins.ffjord;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.Instrumented;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Regularized;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.Jvp;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.nn.Scalars;
import org.flowlab.api.ode.Dynamics;
import org.flowlab.api.ode.OdeSolver;
import org.flowlab.api.ode.Solution;

/**
 * One continuous normalizing flow block. Forward (data → latent): {@code z(T) = x + ∫₀ᵀ f(z(t), t)
 * dt} with log-det {@code log|det ∂z(T)/∂x| = ∫₀ᵀ tr(∂f/∂z) dt} (instantaneous change of
 * variables). The end time {@code T = softplus(end_time_raw)} is learned unless configured
 * otherwise. The solve runs on {@code s ∈ [0, 1]} with {@code dz/ds = T·f(z, sT)}, so the solver's
 * clock is a plain double and T gets its gradient through the dynamics.
 *
 * <p>Trace: in {@code EXACT} mode (and in training with {@code trace: exact}) the exact trace from
 * d JVPs with the basis vectors (one forward pass, d batched tangent passes), when d ≤ {@code
 * exact_max_dim}; otherwise Hutchinson's {@code εᵀ(J ε)} with one probe per sample drawn once per
 * solve (Rademacher or Gaussian, from the engine generator), and the result reports {@code
 * ESTIMATE}. Either way J·v comes from the network's forward-mode JVP.
 *
 * <p>Gradients: backpropagation through the solver's accepted steps (no adjoint). Step sizes are
 * chosen on the whole batch (the error norm is over every element), so a sample's value depends on
 * its batch within the solver tolerance. {@code EXACT} requests and the inverse use the evaluation
 * tolerances, {@code ESTIMATE} requests the training ones.
 *
 * <p>Regularisers (RNODE, Finlay et al. 2020): kinetic energy {@code ∫ ‖f‖² dt} and Jacobian norm
 * {@code ∫ ‖J‖_F² dt}, the latter estimated by {@code ‖J ε‖²} with the trace's probe via the JVP
 * (RNODE uses {@code ‖εᵀJ‖²} by a VJP; both are unbiased for {@code ‖J‖_F²}), exact with the exact
 * trace. Both are integrated as extra state that does not enter the step-size control; {@link
 * #penalty()} is their weighted batch mean.
 *
 * <p>Figures ({@link Instrumented}) of the most recent forward or inverse call: {@code nfe}
 * (evaluations of f in the solve — the backward pass evaluates no f, it runs the recorded graph of
 * the accepted steps, so there is no separate backward NFE), {@code ode_steps}, {@code
 * ode_rejected} and {@code end_time} (T).
 */
final class CnfBlock implements Bijector, Instrumented, Regularized {
  private final int d;
  private final TimeMlp net;
  private final NDArray endTimeRaw;
  private final OdeSolver trainSolver;
  private final OdeSolver evalSolver;
  private final boolean exactInTraining;
  private final boolean rademacher;
  private final int exactMaxDim;
  private final double kineticWeight;
  private final double jacobianWeight;
  private Map<String, Double> figures = Map.of();
  private NDArray penalty;

  /**
   * @param scope parameters {@code net.*} and {@code end_time_raw}
   * @param d the dimension of the data
   * @param config the family config
   * @param trainSolver the solver for ESTIMATE requests
   * @param evalSolver the solver for EXACT requests and the inverse
   */
  CnfBlock(
      ParameterScope scope,
      int d,
      FfjordConfig config,
      OdeSolver trainSolver,
      OdeSolver evalSolver) {
    this.d = d;
    this.net =
        new TimeMlp(
            scope.child("net"),
            d,
            config.hidden(),
            Activation.named(config.activation()),
            config.layer().equals("concatsquash"));
    float raw = (float) Math.log(Math.expm1(config.timeLength()));
    Initializer init = Initializer.constant(raw);
    this.endTimeRaw =
        config.trainEndTime()
            ? scope.trainable("end_time_raw", new Shape(1), init)
            : scope.buffer("end_time_raw", new Shape(1), init);
    this.trainSolver = trainSolver;
    this.evalSolver = evalSolver;
    this.exactInTraining = config.trace().equals("exact");
    this.rademacher = config.noise().equals("rademacher");
    this.exactMaxDim = config.exactMaxDim();
    this.kineticWeight = config.kineticEnergy();
    this.jacobianWeight = config.jacobianNorm();
  }

  /** T = softplus(end_time_raw), shape (1). */
  NDArray endTime() {
    return Activation.softplus(endTimeRaw);
  }

  /** Whether a request in {@code mode} gets the exact trace. */
  boolean exactTrace(LogDetMode mode) {
    return (mode == LogDetMode.EXACT || exactInTraining) && d <= exactMaxDim;
  }

  @Override
  public Transformed forward(NDArray x, LogDetMode mode) {
    boolean exact = exactTrace(mode);
    OdeSolver solver = mode == LogDetMode.EXACT ? evalSolver : trainSolver;
    NDManager m = x.getManager();
    long n = x.getShape().get(0);
    NDArray endTime = endTime();
    boolean regularized = kineticWeight > 0 || jacobianWeight > 0;
    NDArray zeros = m.zeros(new Shape(n), x.getDataType());
    NDList y0 = regularized ? new NDList(x, zeros, zeros, zeros) : new NDList(x, zeros);
    Dynamics dynamics;
    if (exact) {
      NDArray eye = m.eye(d).toType(x.getDataType(), false).reshape(d, 1, d);
      dynamics =
          (s, y) -> {
            Jvp jac = net.jacobian(y.get(0), Scalars.mul(endTime, s));
            NDArray tangents = jac.tangent(); // (d, n, d): J e_i for each i
            NDArray trace = tangents.mul(eye).sum(new int[] {0, 2});
            return derivatives(endTime, jac.value(), trace, regularized ? tangents : null, true);
          };
    } else {
      NDArray eps = probe(m, x.getShape(), x.getDataType());
      dynamics =
          (s, y) -> {
            NDArray t = Scalars.mul(endTime, s);
            Jvp jvp = net.jvp(y.get(0), t, eps);
            NDArray trace = jvp.tangent().mul(eps).sum(new int[] {1});
            return derivatives(
                endTime, jvp.value(), trace, regularized ? jvp.tangent() : null, false);
          };
    }
    Solution sol = solver.solve(dynamics, y0, 0, 1);
    record(sol, endTime);
    NDList y1 = sol.state();
    penalty = null;
    if (regularized) {
      NDArray p = null;
      if (kineticWeight > 0) {
        p = Scalars.mul(y1.get(2).mean(), kineticWeight);
      }
      if (jacobianWeight > 0) {
        NDArray j = Scalars.mul(y1.get(3).mean(), jacobianWeight);
        p = p == null ? j : p.add(j);
      }
      penalty = p;
    }
    return new Transformed(y1.get(0), y1.get(1), exact ? LogDetMode.EXACT : LogDetMode.ESTIMATE);
  }

  /**
   * The derivatives in s: {@code T·f}, {@code T·tr}, and with regularisers {@code T·‖f‖²} and
   * {@code T·‖J·‖²} (tangents of shape (d, n, d) for the exact trace, (n, d) for a probe).
   */
  private static NDList derivatives(
      NDArray endTime, NDArray f, NDArray trace, NDArray tangents, boolean exact) {
    NDList out = new NDList(f.mul(endTime), trace.mul(endTime));
    if (tangents != null) {
      out.add(f.square().sum(new int[] {1}).mul(endTime));
      int[] axes = exact ? new int[] {0, 2} : new int[] {1};
      out.add(tangents.square().sum(axes).mul(endTime));
    }
    return out;
  }

  /** One Hutchinson probe per sample: Rademacher (±1) or standard normal. */
  private NDArray probe(NDManager m, Shape shape, DataType type) {
    if (rademacher) {
      NDArray signs = m.randomUniform(0, 1, shape).lt(0.5).toType(type, false);
      return signs.add(signs).sub(1);
    }
    return m.randomNormal(shape).toType(type, false);
  }

  @Override
  public NDArray inverse(NDArray z) {
    NDArray endTime = endTime();
    Dynamics dynamics =
        (s, y) -> new NDList(net.forward(y.get(0), Scalars.mul(endTime, s)).mul(endTime));
    Solution sol = evalSolver.solve(dynamics, new NDList(z), 1, 0);
    record(sol, endTime);
    return sol.state().get(0);
  }

  private void record(Solution sol, NDArray endTime) {
    Map<String, Double> f = new LinkedHashMap<>();
    f.put("nfe", (double) sol.nfe());
    f.put("ode_steps", (double) sol.steps());
    f.put("ode_rejected", (double) sol.rejected());
    f.put("end_time", (double) endTime.getFloat());
    figures = Collections.unmodifiableMap(f);
  }

  @Override
  public Map<String, Double> figures() {
    return figures;
  }

  @Override
  public NDArray penalty() {
    return penalty;
  }
}
