package org.flowlab.plugins.ffjord;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.flowlab.api.device.DeviceCheck;
import org.flowlab.api.estimate.Probes;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.Instrumented;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Regularized;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.EagerOps;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.Parameter;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.nn.Scalars;
import org.flowlab.api.ode.Dynamics;
import org.flowlab.api.ode.Field;
import org.flowlab.api.ode.OdeSolver;
import org.flowlab.api.ode.RungeKutta4;
import org.flowlab.api.ode.Solution;
import org.flowlab.api.onnx.ExportCalibration;
import org.flowlab.api.onnx.OnnxBijector;
import org.flowlab.api.onnx.OnnxExportException;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxTensor;
import org.flowlab.api.onnx.OnnxTransformed;
import org.flowlab.api.ops.Dual;
import org.flowlab.api.ops.DualOps;
import org.flowlab.api.ops.OnnxOps;
import org.flowlab.api.ops.TensorOps;
import org.flowlab.api.ops.Traced;
import org.flowlab.api.random.Seeds;

/**
 * One continuous normalizing flow block on events of any shape (vectors or images, the field a
 * {@link TimeNet}). Forward (data → latent): {@code z(T) = x + ∫₀ᵀ f(z(t), t) dt} with log-det
 * {@code log|det ∂z(T)/∂x| = ∫₀ᵀ tr(∂f/∂z) dt} (instantaneous change of variables). The end time
 * {@code T = softplus(end_time_raw)} is learned unless configured otherwise. The solve runs on
 * {@code s ∈ [0, 1]} with {@code dz/ds = T·f(z, sT)}, so the solver's clock is a plain double and T
 * gets its gradient through the dynamics.
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
 * (evaluations of f in the solve, rejected steps and step-size probes included), {@code
 * nfe_backward} (the evaluations the result depends on: a backward pass runs the recorded graph of
 * the accepted steps, one vector–Jacobian product through f for each, and evaluates no f of its
 * own), {@code ode_steps}, {@code ode_rejected} and {@code end_time} (T).
 *
 * <p>ONNX ({@link OnnxBijector}): both directions are unrolled fixed-step RK4 solves on {@code s ∈
 * [0, 1]}, the forward one of the augmented state {@code (z, ∫ T·tr ∂f/∂z ds)}, the inverse one of
 * z alone, backwards. Each RK4 stage emits the network with its time {@code T·s} as a constant
 * (gates and time terms computed on the JVM). The trace is exact for d ≤ {@code exact_max_dim}: the
 * network's emitted JVP with the d unit tangents (a constant broadcast over the batch), the sum of
 * the Jacobian's diagonal. Above that the graph uses Hutchinson with one fixed Rademacher probe
 * (seeded, shared by every sample and every solve): a deterministic but biased-per-probe estimate,
 * the same on every call. The step count ({@link #exportSteps()}) is the configured one when the
 * evaluation solver is rk4 (the export then repeats the JVM's computation); with dopri5 it is found
 * at export time without data: the block decodes {@value #PROBE_POINTS} standard normal latents
 * (half of them at temperature {@value #WIDE}) with its adaptive evaluation solver, then doubles
 * the RK4 step count from {@value #MIN_STEPS} until the RK4 solve reproduces the adaptive one in
 * both directions on those points, within {@value #VALUE_TOLERANCE} in z and x (relative to 1 +
 * |value|: at |x| of several units float32 and the adaptive solve resolve no better) and {@value
 * #LOG_DET_TOLERANCE} in the log-det. When doubling stops helping (the adaptive solve's own error
 * is then the floor) the plateau is accepted within {@value #PLATEAU_FACTOR} times those
 * tolerances; beyond that, or beyond {@value #MAX_STEPS} steps, the export fails with the errors it
 * saw.
 */
final class CnfBlock implements Bijector, Instrumented, Regularized, OnnxBijector {
  /**
   * Largest accepted {@code |Δ|/(1 + |value|)} in z or x between the RK4 export solve and the
   * adaptive one.
   */
  static final double VALUE_TOLERANCE = 1e-5;

  /** Largest accepted |Δ log-det| between the RK4 export solve and the adaptive one. */
  static final double LOG_DET_TOLERANCE = 1e-4;

  /**
   * When doubling stops helping (the adaptive solve's own error is the floor), the plateau is
   * accepted within this many times the tolerances (5e-5 in z and x, half the 1e-4 sample parity;
   * 5e-4 in the log-det); the export's parity check then has the last word.
   */
  static final double PLATEAU_FACTOR = 5;

  /** The first RK4 step count tried at export. */
  static final int MIN_STEPS = 4;

  /** The last RK4 step count tried at export; more fails the export. */
  static final int MAX_STEPS = 512;

  /** Latents decoded to choose the export's step count. */
  static final int PROBE_POINTS = 64;

  /** The temperature of half of those latents. */
  static final double WIDE = 1.5;

  private static final System.Logger LOG = System.getLogger(CnfBlock.class.getName());

  private final Shape eventShape;
  private final int d;
  private final TimeNet net;
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
  private int lastExportSteps;
  private ExportCalibration<Integer> exportStepsChoice =
      new ExportCalibration<>(List.of(), this::chooseSteps);

  /**
   * @param scope parameters {@code end_time_raw} (the network's live under {@code net.*})
   * @param eventShape the shape of one event, {@code (d)} or {@code (c, h, w)}
   * @param net the vector field, built on {@code scope.child("net")}
   * @param config the family config
   * @param trainSolver the solver for ESTIMATE requests
   * @param evalSolver the solver for EXACT requests and the inverse
   */
  CnfBlock(
      ParameterScope scope,
      Shape eventShape,
      TimeNet net,
      FfjordConfig config,
      OdeSolver trainSolver,
      OdeSolver evalSolver) {
    this.eventShape = eventShape;
    this.d = Math.toIntExact(eventShape.size());
    this.net = net;
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

  /**
   * A block on events of {@code shape}, vectors {@code (d)} or images {@code (c, h, w)}, with the
   * config's {@link TimeNet}.
   */
  static CnfBlock of(
      ParameterScope scope, Shape shape, FfjordConfig config, OdeSolver train, OdeSolver eval) {
    int first = scope.parameters().size();
    TimeNet net = TimeNet.of(scope.child("net"), shape, config);
    return new CnfBlock(scope, shape, net, config, train, eval).owning(scope, first);
  }

  /** Remembers the parameters registered since index {@code first}: this block's own. */
  private CnfBlock owning(ParameterScope scope, int first) {
    List<Parameter> all = scope.parameters();
    exportStepsChoice =
        new ExportCalibration<>(
            all.subList(first, all.size()).stream().map(Parameter::value).toList(),
            this::chooseSteps);
    return this;
  }

  /** T = softplus(end_time_raw), shape (1). */
  NDArray endTime() {
    return Activation.softplus(endTimeRaw);
  }

  /** Whether a request in {@code mode} gets the exact trace. */
  boolean exactTrace(LogDetMode mode) {
    return (mode != LogDetMode.ESTIMATE || exactInTraining) && d <= exactMaxDim;
  }

  /** The shape of one event. */
  Shape eventShape() {
    return eventShape;
  }

  @Override
  public Transformed forward(NDArray x, LogDetMode mode) {
    if (mode == LogDetMode.EXPORTED && d > exactMaxDim) {
      return forwardWithExportProbe(x);
    }
    NDArray eps = exactTrace(mode) ? null : probe(x);
    Solved solved = solveForward(x, eps, mode == LogDetMode.ESTIMATE ? trainSolver : evalSolver);
    record(solved.solution(), solved.endTime());
    NDList y1 = solved.solution().state();
    penalty = null;
    if (kineticWeight > 0 || jacobianWeight > 0) {
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
    return new Transformed(
        y1.get(0), y1.get(1), eps == null ? LogDetMode.EXACT : LogDetMode.ESTIMATE);
  }

  private record Solved(Solution solution, NDArray endTime) {}

  /**
   * The forward solve of (z, log-det[, kinetic, jacobian]) with the exact trace ({@code eps} null)
   * or Hutchinson's with the probe {@code eps} (shaped like x): {@link #forwardField} run eagerly.
   */
  private Solved solveForward(NDArray x, NDArray eps, OdeSolver solver) {
    NDArray endTime = endTime();
    boolean regularized = kineticWeight > 0 || jacobianWeight > 0;
    EagerOps eager = net.eager();
    NDArray zeros = eager.zerosPerSample(x);
    NDList y0 = regularized ? new NDList(x, zeros, zeros, zeros) : new NDList(x, zeros);
    Field<NDArray> field;
    if (eps == null) {
      // The d basis vectors as tangents (d, 1, event...): they broadcast against the batch, so the
      // first layer's tangents cost d, not d·n, rows; the tangents then have shape (d, n, ...).
      NDArray basis =
          x.getManager()
              .eye(d)
              .toType(x.getDataType(), false)
              .reshape(new Shape(d, 1).addAll(eventShape));
      field = forwardField(eager.dual(), endTime, basis, 0, regularized);
    } else {
      field = forwardField(eager.dual(), endTime, eps, -1, regularized);
    }
    return new Solved(solver.solve(Dynamics.of(field), y0, 0, 1), endTime);
  }

  /**
   * The forward dynamics in s, written once for the eager solve and the exported one: {@code T·f},
   * {@code T·tr(∂f/∂z)} and with regularisers {@code T·‖f‖²} and {@code T·‖J·‖²}. The trace is
   * {@code Σ tangents ⊙ basis} from one JVP of f with the tangents {@code basis}: the d unit
   * vectors (exact) or a probe (Hutchinson's {@code εᵀJε}).
   *
   * @param dual dual numbers over the interpretation
   * @param endTime T, shape (1), a parameter of the definition
   * @param basis the tangents of z, laid out as {@code dual} lays out tangents: shaped like z (one
   *     probe per sample), or with a tangent axis of d unit vectors (a batch axis of 1 broadcasts)
   * @param tangentAxis the axis of {@code basis}'s tangents that the trace also sums (0 eagerly, 1
   *     in ONNX), or −1 for none
   * @param regularized whether the state carries the kinetic and Jacobian integrals
   */
  private <T> Field<T> forwardField(
      DualOps<T> dual, NDArray endTime, T basis, int tangentAxis, boolean regularized) {
    TensorOps<T> ops = dual.base();
    return (s, y) -> {
      T scale = ops.parameter(endTime);
      Dual<T> f = net.apply(dual, new Dual<>(y.get(0), basis), Scalars.mul(endTime, s));
      T trace = perSample(ops, ops.mul(f.tangent(), basis), tangentAxis);
      List<T> out = new ArrayList<>(4);
      out.add(ops.mul(f.primal(), scale));
      out.add(ops.mul(trace, scale));
      if (regularized) {
        out.add(ops.mul(ops.sumAfter(ops.mul(f.primal(), f.primal()), 1), scale));
        T squares = ops.mul(f.tangent(), f.tangent());
        out.add(ops.mul(perSample(ops, squares, tangentAxis), scale));
      }
      return out;
    };
  }

  /** The per-sample sum of {@code x}, its tangent axis ({@code tangentAxis} ≥ 0) summed too. */
  private static <T> T perSample(TensorOps<T> ops, T x, int tangentAxis) {
    return ops.sumAfter(tangentAxis < 0 ? x : ops.sum(x, tangentAxis), 1);
  }

  /**
   * The inverse dynamics in s, {@code T·f(z, sT)}, written once for the eager and exported solve.
   */
  private <T> Field<T> inverseField(TensorOps<T> ops, NDArray endTime) {
    return (s, y) ->
        List.of(ops.mul(net.apply(ops, y.get(0), Scalars.mul(endTime, s)), ops.parameter(endTime)));
  }

  /** One Hutchinson probe per sample: Rademacher (±1) or standard normal. */
  private NDArray probe(NDArray x) {
    String what = "Hutchinson probe of the block of " + endTimeRaw.getName();
    return rademacher ? Probes.rademacher(x, what) : Probes.gaussian(x, what);
  }

  @Override
  public NDArray inverse(NDArray z) {
    Solved solved = solveInverse(z, evalSolver);
    record(solved.solution(), solved.endTime());
    return solved.solution().state().get(0);
  }

  private Solved solveInverse(NDArray z, OdeSolver solver) {
    NDArray endTime = endTime();
    Dynamics dynamics = Dynamics.of(inverseField(net.eager(), endTime));
    return new Solved(solver.solve(dynamics, new NDList(z), 1, 0), endTime);
  }

  private void record(Solution sol, NDArray endTime) {
    Map<String, Double> f = new LinkedHashMap<>();
    f.put("nfe", (double) sol.nfe());
    f.put("nfe_backward", (double) sol.nfeBackward());
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

  // ---- ONNX ---------------------------------------------------------------------------------

  /**
   * The RK4 step count of the export (see the class docs): the configured one with an rk4
   * evaluation solver, else the smallest of {@value #MIN_STEPS}, 2·{@value #MIN_STEPS}, … that
   * reproduces the adaptive solve in both directions.
   *
   * @throws OnnxExportException when {@value #MAX_STEPS} steps do not reach the tolerances
   */
  int exportSteps() {
    lastExportSteps = evalSolver instanceof RungeKutta4 rk4 ? rk4.steps() : exportStepsChoice.get();
    return lastExportSteps;
  }

  private int chooseSteps() {
    try (NDScope scope = new NDScope();
        NDManager m = endTimeRaw.getManager().newSubManager()) {
      scope.suppressNotUsedWarning();
      int half = PROBE_POINTS / 2;
      float[] draws = Seeds.normal(Seeds.stream(0, "ffjord/export-steps"), PROBE_POINTS * d);
      for (int i = half * d; i < draws.length; i++) {
        draws[i] *= (float) WIDE;
      }
      NDArray z = m.create(draws, new Shape(PROBE_POINTS).addAll(eventShape));
      NDArray eps = d <= exactMaxDim ? null : fixedProbe(m).broadcast(z.getShape());
      NDArray x = solveInverse(z, evalSolver).solution().state().get(0);
      NDList ref = solveForward(x, eps, evalSolver).solution().state();
      double worst = Double.NaN;
      StringBuilder tried = new StringBuilder();
      for (int steps = MIN_STEPS; steps <= MAX_STEPS; steps *= 2) {
        RungeKutta4 rk4 = new RungeKutta4(steps);
        double dx = maxRelative(solveInverse(z, rk4).solution().state().get(0), x);
        NDList fwd = solveForward(x, eps, rk4).solution().state();
        double dz = maxRelative(fwd.get(0), ref.get(0));
        double dl = maxAbs(fwd.get(1), ref.get(1));
        double previous = worst;
        worst = Math.max(Math.max(dx, dz) / VALUE_TOLERANCE, dl / LOG_DET_TOLERANCE);
        tried.append(
            String.format(
                java.util.Locale.ROOT,
                " %d:%.2g (x %.1e, z %.1e, log-det %.1e)",
                steps,
                worst,
                dx,
                dz,
                dl));
        // RK4's error falls 16× per doubling: a plateau is the adaptive solve's own error.
        boolean plateau = steps >= 8 * MIN_STEPS && worst > 1 && worst > previous / 2;
        if (plateau && worst > PLATEAU_FACTOR) {
          break;
        }
        if (worst <= 1 || plateau) {
          LOG.log(
              System.Logger.Level.INFO,
              () ->
                  String.format(
                      java.util.Locale.ROOT,
                      "ffjord export: %d RK4 steps per solve on %s (|Δx| %.2e, |Δz| %.2e,"
                          + " |Δ log-det| %.2e against %s)",
                      rk4.steps(),
                      eventShape,
                      dx,
                      dz,
                      dl,
                      evalSolver.describe()));
          return steps;
        }
      }
      throw new OnnxExportException(
          "ffjord: up to "
              + MAX_STEPS
              + " RK4 steps do not reproduce "
              + evalSolver.describe()
              + " within "
              + VALUE_TOLERANCE
              + " (z, x) and "
              + LOG_DET_TOLERANCE
              + " (log-det): the worst error is "
              + worst
              + " times the tolerance, "
              + PLATEAU_FACTOR
              + " accepted on a plateau (steps:error/tolerance"
              + tried
              + "); the dynamics are too stiff to export with a fixed step, or the adaptive solve"
              + " is itself no closer to the solution (tighten eval_atol/eval_rtol)");
    }
  }

  /**
   * The JVM counterpart of a fixed-probe export (d > {@code exact_max_dim}): the forward solve with
   * the evaluation solver and the export's fixed probe for every sample.
   */
  Transformed forwardWithExportProbe(NDArray x) {
    NDArray eps = fixedProbe(x.getManager()).broadcast(x.getShape());
    DeviceCheck.requireBeside("fixed export probe of the block of " + endTimeRaw.getName(), eps, x);
    NDList y1 = solveForward(x, eps, evalSolver).solution().state();
    return new Transformed(y1.get(0), y1.get(1), LogDetMode.ESTIMATE);
  }

  /** The step count the last export chose (0 before any export). */
  int lastExportSteps() {
    return lastExportSteps;
  }

  private static double maxAbs(NDArray a, NDArray b) {
    return a.sub(b).abs().max().getFloat();
  }

  /** max |a − b| / (1 + |b|): float32 solves resolve large values only relatively. */
  private static double maxRelative(NDArray a, NDArray b) {
    return a.sub(b).abs().div(b.abs().add(1)).max().getFloat();
  }

  /** The export's fixed Rademacher probe for large d, shape (1, event...). */
  private NDArray fixedProbe(NDManager m) {
    float[] u = Seeds.uniform(Seeds.stream(0, "ffjord/export-probe"), d);
    float[] signs = new float[d];
    for (int i = 0; i < d; i++) {
      signs[i] = u[i] < 0.5f ? -1f : 1f;
    }
    return m.create(signs, new Shape(1).addAll(eventShape));
  }

  /**
   * Emits the forward solve: {@link #exportSteps()} RK4 steps of {@link #forwardField} for (z,
   * log-det) on s from 0 to 1, the trace exact for d ≤ {@code exact_max_dim} (the d unit tangents,
   * a constant broadcast over the batch), else with the fixed probe.
   */
  @Override
  public OnnxTransformed emitForward(OnnxGraph graph, OnnxTensor x) {
    int steps = exportSteps();
    try (NDScope scope = new NDScope();
        NDManager m = endTimeRaw.getManager().newSubManager()) {
      scope.suppressNotUsedWarning();
      OnnxOps ops = new OnnxOps(graph);
      NDArray tangents =
          d <= exactMaxDim
              ? m.eye(d).reshape(new Shape(1, d).addAll(eventShape))
              : fixedProbe(m).reshape(new Shape(1, 1).addAll(eventShape));
      Shape perSample = tangents.getShape().slice(1);
      Traced basis = ops.sharedPerSample("basis", tangents.toFloatArray(), perSample);
      Field<Traced> field = forwardField(ops.tangents(), endTime(), basis, 1, false);
      Traced in = Traced.of(x);
      List<Traced> y =
          new RungeKutta4(steps).trace(ops, field, List.of(in, ops.zerosPerSample(in)), 0, 1);
      return new OnnxTransformed(y.get(0).tensor(), y.get(1).name());
    }
  }

  /**
   * Emits the inverse solve: {@link #exportSteps()} RK4 steps of {@link #inverseField} on s from 1
   * down to 0.
   */
  @Override
  public OnnxTensor emitInverse(OnnxGraph graph, OnnxTensor z) {
    int steps = exportSteps();
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      OnnxOps ops = new OnnxOps(graph);
      Field<Traced> field = inverseField(ops, endTime());
      return new RungeKutta4(steps).trace(ops, field, List.of(Traced.of(z)), 1, 0).get(0).tensor();
    }
  }
}
