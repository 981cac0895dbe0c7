package org.flowlab.api.onnx;

/**
 * A flow exported to ONNX: two serialised models and what a runtime needs to feed them.
 *
 * <ul>
 *   <li>{@code log_prob}: input {@value #X} {@code (N, event...)} → output {@value #LOG_PROB}
 *       {@code (N)}, log p(x) in data space (preprocessing and its Jacobian included);
 *   <li>{@code sample}: inputs {@value #Z} {@code (N, latent...)} (standard draws of {@link
 *       #noise}) and {@value #TEMPERATURE} (a float scalar) → output {@value #X} {@code (N,
 *       event...)}.
 * </ul>
 *
 * A conditional flow's two models take one more input each, {@value #CONTEXT} {@code (N,
 * contextDim)}: the context of each point or sample.
 *
 * @param logProb the {@code log_prob} model
 * @param sample the {@code sample} model
 * @param noise the standard noise {@code z} is drawn from: {@code normal} or {@code logistic}
 * @param opset the ONNX operator set both use
 */
public record OnnxModels(byte[] logProb, byte[] sample, String noise, int opset) {
  /** Data input of {@code log_prob}, output of {@code sample}. */
  public static final String X = "x";

  /** Output of {@code log_prob}. */
  public static final String LOG_PROB = "log_prob";

  /** Latent input of {@code sample}. */
  public static final String Z = "z";

  /** Context input of both models of a conditional flow. */
  public static final String CONTEXT = "context";

  /** Temperature input of {@code sample}. */
  public static final String TEMPERATURE = "temperature";
}
