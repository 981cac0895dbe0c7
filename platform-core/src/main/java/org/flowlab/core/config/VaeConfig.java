package org.flowlab.core.config;

import java.util.List;
import org.flowlab.api.config.Require;
import org.flowlab.api.nn.Activation;

/**
 * {@code model.vae}: the encoder, decoder and evaluation budget of a {@code model.kind: vae}
 * experiment (a variational autoencoder with a Bernoulli decoder on statically binarised images).
 * The posterior flow, when there is one, is {@code model.family} with its {@code model.params}.
 *
 * @param latentDim latent features (default 32)
 * @param hidden encoder widths (default [300, 300]); the last one is the context h the posterior
 *     flow is amortised through; the decoder uses them in reverse order
 * @param activation nonlinearity of encoder and decoder (default elu)
 * @param iwSamples importance samples per test image of the IW-NLL estimate (default 1000)
 * @param iwImages test images the IW-NLL averages over, the first so many (default: all)
 */
public record VaeConfig(
    Integer latentDim,
    List<Integer> hidden,
    String activation,
    Integer iwSamples,
    Integer iwImages) {
  /** Fills defaults and checks ranges. */
  public VaeConfig {
    latentDim = Require.atLeast("latent_dim", latentDim == null ? 32 : latentDim, 1);
    hidden = Require.nonEmpty("hidden", Require.widths("hidden", hidden, List.of(300, 300)));
    activation =
        Require.oneOf("activation", activation == null ? "elu" : activation, Activation.names());
    iwSamples = Require.atLeast("iw_samples", iwSamples == null ? 1000 : iwSamples, 1);
    if (iwImages != null) {
      Require.atLeast("iw_images", iwImages, 1);
    }
  }

  /** Every key at its default. */
  public static VaeConfig defaults() {
    return new VaeConfig(null, null, null, null, null);
  }

  /** The context size a posterior flow receives: the encoder's last hidden width. */
  public int contextDim() {
    return hidden.get(hidden.size() - 1);
  }
}
