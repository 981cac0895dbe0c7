package org.flowlab.api.onnx;

/**
 * A flow exported to ONNX: its serialised models and what a runtime needs to feed them. A flow with
 * the density direction has two:
 *
 * <ul>
 *   <li>{@code log_prob}: input {@value #X} {@code (N, event...)} → output {@value #LOG_PROB}
 *       {@code (N)}, log p(x) in data space (preprocessing and its Jacobian included);
 *   <li>{@code sample}: inputs {@value #Z} {@code (N, latent...)} (standard draws of {@link
 *       #noise}) and {@value #TEMPERATURE} (a float scalar) → output {@value #X} {@code (N,
 *       event...)}.
 * </ul>
 *
 * A flow with the sampling direction only (planar, radial, Sylvester: no map from data to latent,
 * so no density of given data) has one, {@code sampler}: input {@value #Z} {@code (N, latent...)}
 * (draws of {@link #noise}) → outputs {@value #X} {@code (N, event...)} and {@value #LOG_Q} {@code
 * (N)}, the log-density of each sample under the flow, {@code log q₀(z) − log|det ∂x/∂z|}.
 *
 * <p>A conditional flow's models take one more input each, {@value #CONTEXT} {@code (N,
 * contextDim)}: the context of each point or sample.
 *
 * @param logProb the {@code log_prob} model, null for a sampling-only flow
 * @param sample the {@code sample} model, null for a sampling-only flow
 * @param sampler the {@code sampler} model of a sampling-only flow, else null
 * @param noise the standard noise {@code z} is drawn from: {@code normal} or {@code logistic}
 * @param opset the ONNX operator set the models use
 */
public record OnnxModels(byte[] logProb, byte[] sample, byte[] sampler, String noise, int opset) {
  /** Data input of {@code log_prob}, output of {@code sample} and {@code sampler}. */
  public static final String X = "x";

  /** Output of {@code log_prob}. */
  public static final String LOG_PROB = "log_prob";

  /** The log q output of {@code sampler}. */
  public static final String LOG_Q = "log_q";

  /** Latent input of {@code sample} and {@code sampler}. */
  public static final String Z = "z";

  /** Context input of every model of a conditional flow. */
  public static final String CONTEXT = "context";

  /** Temperature input of {@code sample}. */
  public static final String TEMPERATURE = "temperature";

  /** The two models of a flow with the density direction. */
  public OnnxModels(byte[] logProb, byte[] sample, String noise, int opset) {
    this(logProb, sample, null, noise, opset);
  }

  /** The {@code sampler} model of a flow with the sampling direction only. */
  public static OnnxModels sampler(byte[] sampler, String noise, int opset) {
    return new OnnxModels(null, null, sampler, noise, opset);
  }

  /**
   * Whether this is a sampling-only flow's {@code sampler} (no {@code log_prob}, no {@code
   * sample}).
   */
  public boolean samplingOnly() {
    return sampler != null;
  }
}
