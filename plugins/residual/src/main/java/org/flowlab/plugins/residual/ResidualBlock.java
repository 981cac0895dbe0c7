package org.flowlab.plugins.residual;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.flowlab.api.device.DeviceCheck;
import org.flowlab.api.estimate.ExactLogDet;
import org.flowlab.api.estimate.LinearOperator;
import org.flowlab.api.estimate.PowerSeries;
import org.flowlab.api.estimate.Probes;
import org.flowlab.api.estimate.RussianRoulette;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.Instrumented;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.onnx.OnnxBijector;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxTensor;
import org.flowlab.api.onnx.OnnxTransformed;
import org.flowlab.api.ops.OnnxOps;
import org.flowlab.api.ops.TensorOps;
import org.flowlab.api.ops.Traced;
import org.flowlab.api.random.Seeds;

/**
 * An invertible residual block. Forward (data → latent): {@code y = x + g(x)} with g a {@link
 * LipschitzNet} (an MLP for vectors, convolutions for images), Lip(g) ≤ c < 1. Inverse (latent →
 * data): the fixed-point iteration {@code x ← y − g(x)} from {@code x = y}, a contraction with rate
 * Lip(g), until {@code max|x_{k+1} − x_k|} ≤ the tolerance; it throws {@link IllegalStateException}
 * if the cap is reached first.
 *
 * <p>Log-det {@code log|det(I + J_g)|}:
 *
 * <ul>
 *   <li>{@code ESTIMATE} (training): i-ResNet — the truncated series {@code Σ_{k=1}^{n} (−1)^{k+1}
 *       vᵀJ^k v/k} with one Gaussian Hutchinson probe per sample (biased by the truncation);
 *       Residual Flows — the Russian-roulette series (unbiased). Probes and N come from the engine
 *       generator. The spectral norms' power iteration updates its stored vectors.
 *   <li>{@code EXACT} with d ≤ {@link #EXACT_MAX_DIM}: the exact value from the d columns of J (d
 *       JVPs) and an LU in double precision; reported mode EXACT.
 *   <li>{@code EXACT} with d > {@link #EXACT_MAX_DIM}: falls back to the estimator with {@code
 *       eval_terms} terms (series length for i-ResNet, exact terms before the roulette for Residual
 *       Flows) and reports mode {@code ESTIMATE}.
 *   <li>{@code EXPORTED}: what the ONNX export computes — exact for d ≤ {@link #EXACT_MAX_DIM};
 *       above, a deterministic estimate, the truncated series with {@code eval_terms} terms
 *       averaged over {@link #EXPORT_PROBES} fixed Gaussian probes seeded by the block's name (the
 *       same for every sample and call), reported as {@code ESTIMATE}.
 * </ul>
 *
 * <p>{@link #figures()}: after an inverse, {@code inverse_iterations} and {@code inverse_residual}
 * (the last max |x_{k+1} − x_k|, a bound on |x + g(x) − y| of the returned x up to a factor
 * Lip(g)); after an estimated forward, {@code logdet_terms}, the number of series terms used.
 * {@link org.flowlab.api.flow.Flow#figures()} sums them over blocks.
 */
final class ResidualBlock implements Bijector, Instrumented, OnnxBijector {
  /** The largest dimension for which {@code EXACT} computes the full Jacobian. */
  static final int EXACT_MAX_DIM = 64;

  /**
   * Fixed Hutchinson probes of the exported ({@code EXPORTED}) series when d > {@link
   * #EXACT_MAX_DIM}.
   */
  static final int EXPORT_PROBES = 2;

  private static final System.Logger LOG = System.getLogger(ResidualBlock.class.getName());

  private final String name;
  private final LipschitzNet net;
  private final ResidualConfig config;
  private final RussianRoulette training;
  private final RussianRoulette evaluation;
  private Map<String, Double> figures = Map.of();
  private InverseCalibration calibration;
  private int onnxInverseIterations = -1;

  /**
   * @param scope where {@code net.*} is registered
   * @param name the block's name in error messages
   * @param dim the event dimension d
   * @param config the family config
   */
  ResidualBlock(ParameterScope scope, String name, int dim, ResidualConfig config) {
    this(
        name,
        new LipschitzMlp(
            scope.child("net"),
            dim,
            config.hidden(),
            config.activation(),
            config.coeff(),
            config.powerIterations()),
        config);
  }

  /**
   * @param name the block's name in error messages and logs
   * @param net the network g (its parameters registered by the caller)
   * @param config the family config
   */
  ResidualBlock(String name, LipschitzNet net, ResidualConfig config) {
    this.name = name;
    this.config = config;
    this.net = net;
    RussianRoulette.Kind kind =
        config.roulette().equals("poisson")
            ? RussianRoulette.Kind.POISSON
            : RussianRoulette.Kind.GEOMETRIC;
    double parameter =
        kind == RussianRoulette.Kind.POISSON ? config.rouletteLambda() : config.rouletteP();
    this.training = new RussianRoulette(kind, parameter, config.exactTerms());
    this.evaluation = new RussianRoulette(kind, parameter, config.evalTerms());
  }

  @Override
  public Transformed forward(NDArray x, LogDetMode mode) {
    boolean train = mode == LogDetMode.ESTIMATE;
    List<NDArray> weights = net.weights(train);
    LipschitzNet.Linearization lin = net.linearize(x, weights);
    NDArray y = x.add(lin.value());
    long n = x.getShape().get(0);
    long dim = x.getShape().size() / n;
    if (!train && dim <= EXACT_MAX_DIM) {
      figures = Map.of();
      Shape shape = x.getShape();
      LinearOperator jacobian = lin.jacobian();
      LinearOperator flat =
          shape.dimension() == 2 ? jacobian : v -> jacobian.apply(v.reshape(shape)).reshape(n, dim);
      NDArray jacobians = ExactLogDet.jacobian(flat, x.reshape(n, dim));
      return new Transformed(
          y, logAbsDetIdentityPlus(net.eager(), jacobians, (int) dim), LogDetMode.EXACT);
    }
    if (mode == LogDetMode.EXPORTED) {
      return new Transformed(y, fixedProbeSeries(lin.jacobian(), x), LogDetMode.ESTIMATE);
    }
    return new Transformed(y, estimate(lin.jacobian(), x, train), LogDetMode.ESTIMATE);
  }

  /**
   * What the ONNX export computes for d > {@link #EXACT_MAX_DIM}: the truncated series with {@code
   * eval_terms} terms averaged over {@link #EXPORT_PROBES} fixed probes ({@link #onnxProbes}).
   */
  private NDArray fixedProbeSeries(LinearOperator jacobian, NDArray x) {
    Shape event = x.getShape().slice(1);
    int d = Math.toIntExact(event.size());
    float[] probes = onnxProbes(d);
    NDArray sum = null;
    for (int p = 0; p < EXPORT_PROBES; p++) {
      float[] one = java.util.Arrays.copyOfRange(probes, p * d, (p + 1) * d);
      NDArray probe = x.zerosLike().add(x.getManager().create(one, new Shape(1).addAll(event)));
      DeviceCheck.requireBeside("fixed export probe of " + name, probe, x);
      NDArray s = fixedProbeSeries(net.eager(), jacobian::apply, probe);
      sum = sum == null ? s : sum.add(s);
    }
    figures = Map.of("logdet_terms", (double) config.evalTerms() * EXPORT_PROBES);
    return sum;
  }

  /**
   * The exported series for the probes {@code probes}, written once: {@code eval_terms} terms of
   * {@link PowerSeries#truncated}, divided by {@link #EXPORT_PROBES}. Eagerly it runs once per
   * probe and the results add up; in ONNX the probes sit on the tangent axis and its sum adds them.
   */
  private <T> T fixedProbeSeries(TensorOps<T> ops, UnaryOperator<T> jacobian, T probes) {
    T series = PowerSeries.truncated(ops, jacobian, probes, config.evalTerms());
    return ops.mulScalar(series, 1.0 / EXPORT_PROBES);
  }

  /**
   * The stochastic estimate: a random probe (and roulette draw) from the engine generator, with the
   * training settings or, for {@code EXACT} above {@link #EXACT_MAX_DIM}, {@code eval_terms}.
   */
  private NDArray estimate(LinearOperator jacobian, NDArray x, boolean train) {
    NDArray probe = Probes.gaussian(x, "Hutchinson probe of " + name);
    NDArray logDet;
    int terms;
    if (config.residualFlows()) {
      RussianRoulette.Draw draw = (train ? training : evaluation).draw(x.getManager());
      terms = draw.weights().length;
      logDet = RussianRoulette.estimate(jacobian, probe, draw);
    } else {
      terms = train ? config.seriesTerms() : config.evalTerms();
      logDet = PowerSeries.truncated(jacobian, probe, terms);
    }
    figures = Map.of("logdet_terms", (double) terms);
    return logDet;
  }

  @Override
  public NDArray inverse(NDArray y) {
    List<NDArray> weights = net.weights(false);
    NDArray x = y;
    double residual = Double.POSITIVE_INFINITY;
    int iterations = 0;
    while (iterations < config.inverseMaxIterations() && residual > config.inverseTolerance()) {
      NDArray next;
      try (NDScope scope = new NDScope()) {
        next = inverseStep(net.eager(), y, x, weights);
        residual = next.sub(x).abs().max().getFloat();
        NDScope.unregister(next);
      }
      if (x != y) {
        x.close();
      }
      x = next;
      iterations++;
    }
    Map<String, Double> f = new LinkedHashMap<>();
    f.put("inverse_iterations", (double) iterations);
    f.put("inverse_residual", residual);
    figures = f;
    if (!(residual <= config.inverseTolerance())) {
      throw new IllegalStateException(
          name
              + ": the fixed-point inverse did not converge: max |x_{k+1} - x_k| = "
              + residual
              + " after "
              + iterations
              + " iterations (inverse_tolerance "
              + config.inverseTolerance()
              + "); raise inverse_max_iterations or inverse_tolerance, or lower coeff");
    }
    return x;
  }

  /** Writes converged power-iteration vectors, then a plain exact forward. */
  @Override
  public NDArray initialize(NDArray x) {
    net.weights(true);
    return x.add(net.forward(x, net.weights(false)));
  }

  @Override
  public Map<String, Double> figures() {
    return figures;
  }

  /** One fixed-point step {@code x ← y − g(x)}, written once for the eager and exported inverse. */
  private <T> T inverseStep(TensorOps<T> ops, T y, T x, List<NDArray> weights) {
    return ops.sub(y, net.apply(ops, x, weights));
  }

  /**
   * Emits {@code y = x + g(x)} with the evaluation weights and {@code log|det(I + J_g)|}: for d ≤
   * {@link #EXACT_MAX_DIM} exactly, the Jacobian's d columns from one application of g's emitted
   * linearisation to the d unit tangents, then {@link TensorOps#logAbsDet} of {@code I + J} as the
   * eager forward takes it ({@code Log(Abs(Det))}, a float32 LU inside ONNX Runtime); above, the
   * JVM's {@code EXPORTED} series: {@code eval_terms} terms averaged over {@link #EXPORT_PROBES}
   * fixed Gaussian probes (the same for every sample and every export), a deterministic estimate.
   */
  @Override
  public OnnxTransformed emitForward(OnnxGraph graph, OnnxTensor x) {
    List<NDArray> weights = net.weights(false);
    OnnxOps ops = new OnnxOps(graph);
    Traced in = Traced.of(x);
    LipschitzNet.Linearized<Traced> lin = net.linearize(ops.tangents(), in, weights);
    Traced y = ops.add(in, lin.value());
    int d = Math.toIntExact(x.size());
    Shape event = x.eventShape();
    String logDet;
    if (d <= EXACT_MAX_DIM) {
      Traced tangents = ops.sharedPerSample("eye", identity(d), new Shape(d).addAll(event));
      Traced columns = lin.jacobian().apply(tangents);
      // Row i of (N, d, d) is J·e_i, so the matrices are Jᵀ; det(I + Jᵀ) = det(I + J).
      Traced transposed = ops.reshape(columns, new Shape(-1, d, d));
      logDet = ops.add(ops.zerosPerSample(in), logAbsDetIdentityPlus(ops, transposed, d)).name();
    } else {
      Shape probeShape = new Shape(EXPORT_PROBES).addAll(event);
      Traced probes = ops.sharedPerSample("probe", onnxProbes(d), probeShape);
      Traced series = fixedProbeSeries(ops, lin.jacobian(), probes);
      logDet = ops.add(ops.zerosPerSample(in), series).name();
    }
    return new OnnxTransformed(y.tensor(), logDet);
  }

  /**
   * Emits the fixed-point inverse {@code x ← y − g(x)} from {@code x = y} ({@link #inverseStep}, as
   * the JVM iterates it), unrolled for a fixed number of iterations chosen at export time ({@link
   * InverseCalibration}: what the JVM inverse needs on latents the flow decodes from base draws,
   * times a safety margin).
   */
  @Override
  public OnnxTensor emitInverse(OnnxGraph graph, OnnxTensor y) {
    List<NDArray> weights = net.weights(false);
    if (calibration == null) {
      calibration =
          InverseCalibration.standalone(this, y.eventShape(), weights.get(0).getManager());
    }
    int iterations = calibration.iterations(this);
    onnxInverseIterations = iterations;
    LOG.log(
        System.Logger.Level.INFO,
        "{0}: ONNX inverse unrolled to {1} fixed-point iterations",
        name,
        iterations);
    OnnxOps ops = new OnnxOps(graph);
    Traced target = Traced.of(y);
    Traced x = target;
    for (int i = 0; i < iterations; i++) {
      x = inverseStep(ops, target, x, weights);
    }
    return x.tensor();
  }

  /**
   * {@code log|det(I + J)|} per sample from the Jacobians {@code (N, d, d)} (or their transposes:
   * the same determinant), written once for the eager and the exported exact log-det.
   */
  private static <T> T logAbsDetIdentityPlus(TensorOps<T> ops, T jacobians, int d) {
    return ops.logAbsDet(ops.add(jacobians, ops.constant(jacobians, identity(d), new Shape(d, d))));
  }

  /** The d × d identity, row-major. */
  private static float[] identity(int d) {
    float[] eye = new float[d * d];
    for (int i = 0; i < d; i++) {
      eye[i * d + i] = 1f;
    }
    return eye;
  }

  /** Seed of the fixed probes of the exported series (d > {@link #EXACT_MAX_DIM}). */
  static final long ONNX_PROBE_SEED = 0x5EEDL;

  /**
   * The exported series' fixed Gaussian probes, {@link #EXPORT_PROBES} × d row-major, seeded by the
   * block's name.
   */
  float[] onnxProbes(int d) {
    return Seeds.normal(Seeds.stream(ONNX_PROBE_SEED, "onnx-probes/" + name), EXPORT_PROBES * d);
  }

  /** Shares the calibration that chooses the exported inverse's iteration count. */
  void calibrateWith(InverseCalibration calibration) {
    this.calibration = calibration;
  }

  /** The iteration count of the most recent ONNX inverse emission; −1 before the first. */
  int onnxInverseIterations() {
    return onnxInverseIterations;
  }

  /** The block's name. */
  String name() {
    return name;
  }

  /** The block's network g. */
  LipschitzNet net() {
    return net;
  }
}
