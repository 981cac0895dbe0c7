package org.flowlab.api.flow;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.flowlab.api.distribution.BaseDistribution;
import org.flowlab.api.nn.Parameter;

/**
 * A normalizing flow: a base distribution and a chain of bijectors. Direction: {@link #encode} runs
 * the bijectors data → latent in order; {@link #decode} runs their inverses latent → data in
 * reverse order. log p(x) = log p_Z(f(x)) + Σ_k log|det ∂f_k|.
 */
public final class Flow {
  private final Shape eventShape;
  private final Shape latentShape;
  private final BaseDistribution base;
  private final Chain chain;
  private final List<Parameter> parameters;

  /**
   * A flow whose latent has the shape of its data.
   *
   * @param eventShape the shape of one data point (without the batch axis)
   * @param base the latent distribution
   * @param bijectors data → latent, in order
   * @param parameters every parameter the bijectors own (usually {@code scope.parameters()})
   */
  public Flow(
      Shape eventShape,
      BaseDistribution base,
      List<Bijector> bijectors,
      List<Parameter> parameters) {
    this(eventShape, eventShape, base, bijectors, parameters);
  }

  /**
   * A flow whose bijectors change the shape: squeezes, factor-out, flattening.
   *
   * @param eventShape the shape of one data point (without the batch axis)
   * @param latentShape the shape of one latent point, what {@link #encode} returns per sample
   * @param base the latent distribution
   * @param bijectors data → latent, in order
   * @param parameters every parameter the bijectors own (usually {@code scope.parameters()})
   */
  public Flow(
      Shape eventShape,
      Shape latentShape,
      BaseDistribution base,
      List<Bijector> bijectors,
      List<Parameter> parameters) {
    if (eventShape.size() != latentShape.size()) {
      throw new IllegalArgumentException(
          "a bijection keeps the dimension: event " + eventShape + ", latent " + latentShape);
    }
    this.eventShape = eventShape;
    this.latentShape = latentShape;
    this.base = base;
    this.chain = new Chain(bijectors);
    this.parameters = List.copyOf(parameters);
  }

  /**
   * The same flow behind fixed preprocessing steps (the logit transform of image data): {@code
   * steps} run first in the data → latent direction and their log-dets count in {@link #logProb},
   * so the density is that of the data before preprocessing. Steps must keep the event shape.
   */
  public Flow withPreprocessing(List<Bijector> steps) {
    List<Bijector> all = new ArrayList<>(steps);
    all.addAll(chain.bijectors());
    return new Flow(eventShape, latentShape, base, all, parameters);
  }

  /**
   * The result of {@link #logProb(NDArray, LogDetMode)}: per-sample log p(x) and how log-dets were
   * computed.
   */
  public record LogProb(NDArray value, LogDetMode mode) {}

  /** Data → latent through every bijector; the log-det is the sum over bijectors. */
  public Transformed encode(NDArray x, LogDetMode mode) {
    return chain.forward(x, mode);
  }

  /** Latent → data through every bijector's inverse, last bijector first. */
  public NDArray decode(NDArray z) {
    return chain.inverse(z);
  }

  /** Per-sample log p(x), shape (batch). */
  public LogProb logProb(NDArray x, LogDetMode mode) {
    Transformed t = encode(x, mode);
    return new LogProb(base.logProb(t.value()).add(t.logDet()), t.mode());
  }

  /** Per-sample exact log p(x) (or the closest the family allows; see {@link LogProb#mode}). */
  public NDArray logProb(NDArray x) {
    return logProb(x, LogDetMode.EXACT).value();
  }

  /** Draws {@code n} samples: latents from the base at {@code temperature}, decoded to data. */
  public NDArray sample(NDManager manager, int n, double temperature, SplittableRandom rng) {
    return decode(base.sample(manager, latentShape, n, temperature, rng));
  }

  /** Runs data-dependent initialisation (actnorm) on the first training batch. */
  public void initialize(NDArray firstBatch) {
    chain.initialize(firstBatch);
  }

  /** The shape of one data point. */
  public Shape eventShape() {
    return eventShape;
  }

  /** The shape of one latent point. */
  public Shape latentShape() {
    return latentShape;
  }

  /**
   * Figures the bijectors report about their most recent calls ({@link Instrumented}), summed per
   * key over bijectors: e.g. {@code nfe} of every ODE block together.
   */
  public Map<String, Double> figures() {
    return chain.figures();
  }

  /**
   * The sum of the regularisation penalties of the most recent {@link #encode} ({@link
   * Regularized}), a scalar in that pass's graph; null when no bijector is regularised.
   */
  public NDArray penalty() {
    return chain.penalty();
  }

  /** The latent distribution. */
  public BaseDistribution base() {
    return base;
  }

  /** The bijectors, data → latent order. */
  public List<Bijector> bijectors() {
    return chain.bijectors();
  }

  /** Every parameter and buffer, in creation order. */
  public List<Parameter> parameters() {
    return parameters;
  }
}
