package org.flowlab.core.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.flowlab.api.distribution.StandardNormal;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.Autocast;
import org.flowlab.api.nn.Linear;
import org.flowlab.api.nn.Mlp;
import org.flowlab.api.nn.Parameter;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.nn.ParameterStorage;
import org.flowlab.core.config.VaeConfig;
import org.flowlab.core.train.PackedParameters;

/**
 * A VAE on binary vectors: encoder x → h (an MLP with {@code hidden} widths, activation after the
 * last), heads h → (μ, log σ); posterior {@code z = f(μ + σ·ε, h)} with ε ~ N(0, I) and {@code f}
 * the posterior flow's sampling direction (the identity without one), so {@code log q(z | x) = log
 * N(ε) − Σ log σ − log|det ∂f/∂z₀|}; prior N(0, I); Bernoulli decoder z → logits, an MLP with the
 * encoder's widths reversed. The posterior family's own base distribution is not used: q₀ is the
 * encoder's Gaussian. Parameters are named {@code encoder.*}, {@code encoder_head.*}, {@code
 * posterior.*} and {@code decoder.*}.
 */
public final class VaeModel {
  private static final StandardNormal NORMAL = new StandardNormal();

  private final int dataDim;
  private final int latentDim;
  private final Mlp encoder;
  private final Activation activation;
  private final Linear head;
  private final Flow posterior; // null: a plain VAE
  private final Mlp decoder;
  private final List<Parameter> parameters;

  private VaeModel(
      VaeConfig config,
      BiFunction<Shape, ParameterScope, Flow> posteriorModel,
      int dataDim,
      ParameterScope root) {
    this.dataDim = dataDim;
    this.latentDim = config.latentDim();
    List<Integer> hidden = config.hidden();
    this.activation = Activation.named(config.activation());
    int context = config.contextDim();
    this.encoder =
        new Mlp(
            root.child("encoder"),
            dataDim,
            hidden.subList(0, hidden.size() - 1),
            context,
            activation,
            false);
    this.head = new Linear(root.child("encoder_head"), context, 2 * latentDim, false);
    this.posterior =
        posteriorModel == null
            ? null
            : posteriorModel.apply(new Shape(latentDim), root.child("posterior"));
    List<Integer> reversed = new ArrayList<>(hidden);
    java.util.Collections.reverse(reversed);
    this.decoder = new Mlp(root.child("decoder"), latentDim, reversed, dataDim, activation, false);
    this.parameters = root.parameters();
  }

  /**
   * Builds an untrained VAE whose parameters live on {@code manager}'s device, initialised from
   * {@code seed} (each parameter's values depend only on the seed and its name).
   *
   * @param posteriorModel builds the posterior flow over the latent shape into the scope it is
   *     given (the resolved family's {@code buildInto}), or null for a plain VAE
   */
  public static VaeModel build(
      VaeConfig config,
      BiFunction<Shape, ParameterScope, Flow> posteriorModel,
      int dataDim,
      NDManager manager,
      long seed) {
    return new VaeModel(config, posteriorModel, dataDim, ParameterScope.root(manager, seed));
  }

  /**
   * The VAE for training: as {@link #build}, with its matmul-class layers computing through {@code
   * autocast} and its trainable parameters in one packed buffer where the device allows (as the
   * host does for flows).
   */
  public static VaeModel buildForTraining(
      VaeConfig config,
      BiFunction<Shape, ParameterScope, Flow> posteriorModel,
      int dataDim,
      NDManager manager,
      long seed,
      Autocast autocast) {
    VaeModel layout = build(config, posteriorModel, dataDim, manager, seed, null, autocast);
    PackedParameters packed = PackedParameters.create(layout.parameters(), manager);
    if (packed == null) {
      return layout;
    }
    for (Parameter p : layout.parameters()) {
      p.value().close();
    }
    return build(config, posteriorModel, dataDim, manager, seed, packed, autocast);
  }

  private static VaeModel build(
      VaeConfig config,
      BiFunction<Shape, ParameterScope, Flow> posteriorModel,
      int dataDim,
      NDManager manager,
      long seed,
      ParameterStorage storage,
      Autocast autocast) {
    return new VaeModel(
        config, posteriorModel, dataDim, ParameterScope.root(manager, seed, storage, autocast));
  }

  /**
   * The encoder's output for a batch.
   *
   * @param mean μ, shape (n, latent)
   * @param logScale log σ, shape (n, latent)
   * @param context h, shape (n, hidden), the posterior flow's context
   */
  public record Encoded(NDArray mean, NDArray logScale, NDArray context) {
    /** Each row repeated {@code k} times in a row (row i·k + j is row i): k samples per point. */
    public Encoded repeat(int k) {
      return k == 1
          ? this
          : new Encoded(repeatRows(mean, k), repeatRows(logScale, k), repeatRows(context, k));
    }
  }

  /** Encodes binary vectors {@code x}, shape (n, dataDim). */
  public Encoded encode(NDArray x) {
    NDArray h = activation.forward(encoder.forward(x));
    NDList parts = head.forward(h).split(2, 1);
    return new Encoded(parts.get(0), parts.get(1), h);
  }

  /**
   * A posterior draw per row and its log-density.
   *
   * @param z the latent, shape (n, latent)
   * @param logQ log q(z | x), shape (n)
   */
  public record Posterior(NDArray z, NDArray logQ) {}

  /** Draws z ~ q(z | x) from standard normal {@code eps}, shape (n, latent), reparameterised. */
  public Posterior posterior(Encoded encoded, NDArray eps) {
    NDArray z0 = encoded.mean().add(encoded.logScale().exp().mul(eps));
    NDArray logQ = NORMAL.logProb(eps).sub(encoded.logScale().sum(new int[] {1}));
    if (posterior == null) {
      return new Posterior(z0, logQ);
    }
    Transformed t = posterior.decodeWithLogDet(z0, encoded.context());
    return new Posterior(t.value(), logQ.sub(t.logDet()));
  }

  /** The decoder's Bernoulli logits of latents {@code z}, shape (n, dataDim). */
  public NDArray logits(NDArray z) {
    return decoder.forward(z);
  }

  /** The decoder's Bernoulli means, sigmoid of {@link #logits}. */
  public NDArray means(NDArray z) {
    return Activation.sigmoid(logits(z));
  }

  /**
   * The importance log-weights {@code log p(x | z) + log p(z) − log q(z | x)} of one posterior draw
   * per row, shape (n): their mean is the ELBO, their log-mean-exp over k draws of one x the IW-k
   * bound on log p(x).
   *
   * @param x binary vectors, shape (n, dataDim)
   * @param encoded the encoding of {@code x} (rows repeated as x's are)
   * @param eps standard normal noise, shape (n, latent)
   */
  public NDArray logWeights(NDArray x, Encoded encoded, NDArray eps) {
    Posterior q = posterior(encoded, eps);
    NDArray logits = logits(q.z());
    NDArray logLikelihood = x.mul(logits).sub(Activation.softplus(logits)).sum(new int[] {1});
    return logLikelihood.add(NORMAL.logProb(q.z())).sub(q.logQ());
  }

  /**
   * The flow the {@link org.flowlab.core.train.Trainer} trains: the posterior flow's bijectors
   * (none for a plain VAE) owning every parameter of the VAE, so that the optimiser and every
   * checkpoint hold the encoder, the decoder and the flow.
   */
  public Flow trainingView() {
    return new Flow(
        new Shape(latentDim),
        NORMAL,
        posterior == null ? List.of() : posterior.bijectors(),
        parameters);
  }

  /** Every parameter, in creation order. */
  public List<Parameter> parameters() {
    return parameters;
  }

  /** Values per data point. */
  public int dataDim() {
    return dataDim;
  }

  /** Latent features. */
  public int latentDim() {
    return latentDim;
  }

  /** The decoder (z → logits), for export. */
  public Mlp decoder() {
    return decoder;
  }

  /** Whether the posterior has a flow (false: a plain VAE, Gaussian posterior). */
  public boolean hasFlow() {
    return posterior != null;
  }

  /** Each row of {@code a}, shape (n, d), repeated {@code k} times in a row: shape (n·k, d). */
  static NDArray repeatRows(NDArray a, int k) {
    long n = a.getShape().get(0);
    long d = a.getShape().get(1);
    return a.expandDims(1).broadcast(new Shape(n, k, d)).reshape(n * k, d);
  }
}
