package org.flowlab.plugins.residual;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.flowlab.api.estimate.ExactLogDet;
import org.flowlab.api.estimate.LinearOperator;
import org.flowlab.api.estimate.PowerSeries;
import org.flowlab.api.estimate.RussianRoulette;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.Instrumented;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.nn.ParameterScope;

/**
 * An invertible residual block on vectors. Forward (data → latent): {@code y = x + g(x)} with g a
 * {@link LipschitzMlp}, Lip(g) ≤ c < 1. Inverse (latent → data): the fixed-point iteration {@code x
 * ← y − g(x)} from {@code x = y}, a contraction with rate Lip(g), until {@code max|x_{k+1} − x_k|}
 * ≤ the tolerance; it throws {@link IllegalStateException} if the cap is reached first.
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
 * </ul>
 *
 * <p>{@link #figures()}: after an inverse, {@code inverse_iterations} and {@code inverse_residual}
 * (the last max |x_{k+1} − x_k|, a bound on |x + g(x) − y| of the returned x up to a factor
 * Lip(g)); after an estimated forward, {@code logdet_terms}, the number of series terms used.
 * {@link org.flowlab.api.flow.Flow#figures()} sums them over blocks.
 */
final class ResidualBlock implements Bijector, Instrumented {
  /** The largest dimension for which {@code EXACT} computes the full Jacobian. */
  static final int EXACT_MAX_DIM = 64;

  private final String name;
  private final LipschitzMlp net;
  private final ResidualConfig config;
  private final RussianRoulette training;
  private final RussianRoulette evaluation;
  private Map<String, Double> figures = Map.of();

  /**
   * @param scope where {@code net.*} is registered
   * @param name the block's name in error messages
   * @param dim the event dimension d
   * @param config the family config
   */
  ResidualBlock(ParameterScope scope, String name, int dim, ResidualConfig config) {
    this.name = name;
    this.config = config;
    this.net =
        new LipschitzMlp(
            scope.child("net"),
            dim,
            config.hidden(),
            config.activation(),
            config.coeff(),
            config.powerIterations());
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
    LipschitzMlp.Linearization lin = net.linearize(x, weights);
    NDArray y = x.add(lin.value());
    long dim = x.getShape().size() / x.getShape().get(0);
    if (!train && dim <= EXACT_MAX_DIM) {
      figures = Map.of();
      return new Transformed(
          y, ExactLogDet.logAbsDetIdentityPlus(lin.jacobian(), x), LogDetMode.EXACT);
    }
    return new Transformed(y, estimate(lin.jacobian(), x, train), LogDetMode.ESTIMATE);
  }

  private NDArray estimate(LinearOperator jacobian, NDArray x, boolean train) {
    NDArray probe = x.getManager().randomNormal(x.getShape());
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
        next = y.sub(net.forward(x, weights));
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

  /** The block's network g. */
  LipschitzMlp net() {
    return net;
  }
}
