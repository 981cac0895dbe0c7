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
import org.flowlab.api.onnx.OnnxDistribution;
import org.flowlab.api.onnx.OnnxExportException;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxModels;
import org.flowlab.api.onnx.OnnxTensor;
import org.flowlab.api.onnx.OnnxTransformed;
import org.flowlab.api.ops.OnnxOps;
import org.flowlab.api.ops.Traced;

/**
 * A normalizing flow: a base distribution and a chain of bijectors. Direction: {@link #encode} runs
 * the bijectors data → latent in order; {@link #decode} runs their inverses latent → data in
 * reverse order. log p(x) = log p_Z(f(x)) + Σ_k log|det ∂f_k|.
 *
 * <p>A conditional flow ({@link #contextDim()} &gt; 0) models {@code p(x | c)}: its methods take a
 * context batch {@code c} of shape {@code (batch, contextDim)}, one row per point, which reaches
 * every conditioner; the methods without a context are those with a null one, which only an
 * unconditional flow accepts.
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
    return encode(x, null, mode);
  }

  /** {@link #encode(NDArray, LogDetMode)} given a context (null: none). */
  public Transformed encode(NDArray x, NDArray context, LogDetMode mode) {
    return chain.forward(x, context, mode);
  }

  /** Latent → data through every bijector's inverse, last bijector first. */
  public NDArray decode(NDArray z) {
    return decode(z, null);
  }

  /** {@link #decode(NDArray)} given a context (null: none). */
  public NDArray decode(NDArray z, NDArray context) {
    return chain.inverse(z, context);
  }

  /** Per-sample log p(x), shape (batch). */
  public LogProb logProb(NDArray x, LogDetMode mode) {
    return logProb(x, null, mode);
  }

  /** Per-sample log p(x | c), shape (batch); a null context for an unconditional flow. */
  public LogProb logProb(NDArray x, NDArray context, LogDetMode mode) {
    Transformed t = encode(x, context, mode);
    return new LogProb(base.logProb(t.value()).add(t.logDet()), t.mode());
  }

  /** Per-sample exact log p(x) (or the closest the family allows; see {@link LogProb#mode}). */
  public NDArray logProb(NDArray x) {
    return logProb(x, LogDetMode.EXACT).value();
  }

  /** Per-sample exact log p(x | c). */
  public NDArray logProb(NDArray x, NDArray context) {
    return logProb(x, context, LogDetMode.EXACT).value();
  }

  /** Draws {@code n} samples: latents from the base at {@code temperature}, decoded to data. */
  public NDArray sample(NDManager manager, int n, double temperature, SplittableRandom rng) {
    return sample(manager, n, null, temperature, rng);
  }

  /**
   * Draws {@code n} samples of {@code x | c}: the latents {@link #sample(NDManager, int, double,
   * SplittableRandom)} draws from the same {@code rng}, decoded given the context.
   *
   * @param context shape {@code (n, contextDim)}, one row per sample; null for an unconditional
   *     flow
   */
  public NDArray sample(
      NDManager manager, int n, NDArray context, double temperature, SplittableRandom rng) {
    return decode(base.sample(manager, latentShape, n, temperature, rng), context);
  }

  /**
   * Latent → data through every bijector's {@link Bijector#sampleForward}, last bijector first; the
   * log-det is {@code log|det ∂x/∂z|} summed over bijectors.
   */
  public Transformed decodeWithLogDet(NDArray z) {
    return decodeWithLogDet(z, null);
  }

  /** {@link #decodeWithLogDet(NDArray)} given a context (null: none). */
  public Transformed decodeWithLogDet(NDArray z, NDArray context) {
    return chain.sampleForward(z, context);
  }

  /**
   * Samples with their log-density under the flow, for variational inference.
   *
   * @param x the samples, shape {@code (n, event...)}
   * @param logProb per-sample {@code log q(x)}, shape {@code (n)}
   */
  public record Sampled(NDArray x, NDArray logProb) {}

  /**
   * Draws {@code n} samples in the sampling direction with their {@code log q(x) = log q₀(z) −
   * log|det ∂x/∂z|}: latents from the base at temperature 1, the same latents {@link #sample} draws
   * from the same {@code rng}. Differentiable in the parameters (the reparameterisation trick), so
   * reverse-KL training backpropagates through it.
   */
  public Sampled sampleWithLogProb(NDManager manager, int n, SplittableRandom rng) {
    return sampleWithLogProb(manager, n, null, rng);
  }

  /**
   * {@link #sampleWithLogProb(NDManager, int, SplittableRandom)} of {@code x | c}, with {@code log
   * q(x | c)}: an amortised posterior's draws.
   *
   * @param context shape {@code (n, contextDim)}; null for an unconditional flow
   */
  public Sampled sampleWithLogProb(
      NDManager manager, int n, NDArray context, SplittableRandom rng) {
    NDArray z = base.sample(manager, latentShape, n, 1.0, rng);
    Transformed t = decodeWithLogDet(z, context);
    return new Sampled(t.value(), base.logProb(z).sub(t.logDet()));
  }

  /**
   * Features of the context the flow is conditioned on ({@link Bijector#contextDim()} of its
   * bijectors); 0 for an unconditional flow.
   */
  public int contextDim() {
    return chain.contextDim();
  }

  /**
   * Writes the flow as two ONNX models (see {@link OnnxModels}): {@code log_prob}, x → log p(x)
   * through every bijector's forward emission (preprocessing included) and the base log-density;
   * {@code sample}, standard latents and a temperature → x through the inverse emissions, last
   * bijector first. A conditional flow's models both take one more input, {@value
   * OnnxModels#CONTEXT} {@code (N, contextDim)}.
   *
   * @throws OnnxExportException naming the first bijector (or the base) that cannot be exported
   */
  public OnnxModels toOnnx() {
    if (!(base instanceof OnnxDistribution dist)) {
      throw OnnxExportException.notExportable(base, OnnxDistribution.class);
    }
    OnnxGraph logProb = new OnnxGraph(OnnxModels.LOG_PROB);
    OnnxOps logProbOps = new OnnxOps(logProb);
    OnnxTensor data = logProb.input(OnnxModels.X, eventShape);
    OnnxTransformed t = chain.emitForward(logProb, data, contextInput(logProb));
    OnnxTensor z = t.value();
    if (!z.eventShape().equals(latentShape)) {
      z = reshaped(logProbOps, z, latentShape);
    }
    Traced density = Traced.perSample(dist.emitLogProb(logProb, z));
    logProb.output(
        OnnxModels.LOG_PROB, logProbOps.add(density, Traced.perSample(t.logDet())).name());

    OnnxGraph sample = new OnnxGraph("sample");
    OnnxOps sampleOps = new OnnxOps(sample);
    OnnxTensor standard = sample.input(OnnxModels.Z, latentShape);
    String temperature = sample.scalarInput(OnnxModels.TEMPERATURE);
    OnnxTensor context = contextInput(sample);
    OnnxTensor x =
        chain.emitInverse(sample, dist.emitTemperature(sample, standard, temperature), context);
    if (!x.eventShape().equals(eventShape)) {
      x = reshaped(sampleOps, x, eventShape);
    }
    sample.output(OnnxModels.X, x);
    return new OnnxModels(logProb.toBytes(), sample.toBytes(), dist.noise(), OnnxGraph.OPSET);
  }

  /**
   * Writes the sampling direction as one ONNX model, {@code sampler} (see {@link OnnxModels}): base
   * draws {@value OnnxModels#Z} (and {@value OnnxModels#CONTEXT} for a conditional flow) → samples
   * {@value OnnxModels#X} through every bijector's {@link
   * org.flowlab.api.onnx.OnnxBijector#emitSampleForward}, last bijector first, and {@value
   * OnnxModels#LOG_Q}, {@code log q₀(z) − log|det ∂x/∂z|}: what {@link #decodeWithLogDet} and
   * {@link #sampleWithLogProb} compute. The export of a flow with the sampling direction only.
   *
   * @throws OnnxExportException naming the first bijector (or the base) that cannot be exported
   */
  public OnnxModels toOnnxSampler() {
    if (!(base instanceof OnnxDistribution dist)) {
      throw OnnxExportException.notExportable(base, OnnxDistribution.class);
    }
    OnnxGraph graph = new OnnxGraph("sampler");
    OnnxOps ops = new OnnxOps(graph);
    OnnxTensor z = graph.input(OnnxModels.Z, latentShape);
    OnnxTransformed t = chain.emitSampleForward(graph, z, contextInput(graph));
    OnnxTensor x = t.value();
    if (!x.eventShape().equals(eventShape)) {
      x = reshaped(ops, x, eventShape);
    }
    graph.output(OnnxModels.X, x);
    Traced density = Traced.perSample(dist.emitLogProb(graph, z));
    graph.output(OnnxModels.LOG_Q, ops.sub(density, Traced.perSample(t.logDet())).name());
    return OnnxModels.sampler(graph.toBytes(), dist.noise(), OnnxGraph.OPSET);
  }

  /** {@code x} reshaped to {@code (N, shape...)}. */
  private static OnnxTensor reshaped(OnnxOps ops, OnnxTensor x, Shape shape) {
    return ops.reshape(Traced.of(x), new Shape(-1).addAll(shape)).tensor();
  }

  /** The {@value OnnxModels#CONTEXT} input of a conditional flow's graph; null otherwise. */
  private OnnxTensor contextInput(OnnxGraph graph) {
    int dim = contextDim();
    return dim == 0 ? null : graph.input(OnnxModels.CONTEXT, new Shape(dim));
  }

  /** Runs data-dependent initialisation (actnorm) on the first training batch. */
  public void initialize(NDArray firstBatch) {
    initialize(firstBatch, null);
  }

  /** Data-dependent initialisation on the first training batch and its contexts. */
  public void initialize(NDArray firstBatch, NDArray context) {
    chain.initialize(firstBatch, context);
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
