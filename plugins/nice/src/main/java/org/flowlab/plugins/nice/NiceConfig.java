package org.flowlab.plugins.nice;

import java.util.List;
import org.flowlab.api.config.Require;
import org.flowlab.api.nn.Activation;

/**
 * The {@code model.params} block of a NICE experiment (snake_case keys in YAML). A missing key
 * takes its default.
 *
 * @param couplings number of additive couplings (default 4, as in the paper; at least 4, so that
 *     every dimension influences every other and each half is transformed twice)
 * @param hidden hidden widths of each coupling function's MLP (default [256, 256]; each at least
 *     1). The paper's MNIST model uses five hidden layers of 1000 units, too big to train on a CPU
 *     here; write {@code [1000, 1000, 1000, 1000, 1000]} for it on a GPU
 * @param activation nonlinearity of the coupling MLPs: tanh, relu, elu, softplus or silu (default
 *     relu, as in the paper)
 * @param partition how a coupling splits x into (x₁, x₂): {@code alternating} (default; x₁ the
 *     first ⌈d/2⌉ dimensions, x₂ the rest) or {@code checkerboard} (x₁ the even indices, x₂ the odd
 *     ones); the roles of the two parts swap from one coupling to the next
 * @param prior the latent distribution: {@code logistic} (default, the paper's choice) or {@code
 *     normal}
 * @param identityInit whether each coupling function's last layer starts at zero, so that the flow
 *     starts as the identity (YAML {@code identity_init}; default false: PyTorch's default
 *     initialisation everywhere, as in the paper). On data symmetric under x₂ → −x₂ given x₁
 *     (8gaussians) the identity is a stationary point of shift couplings, E[∂loss/∂m] = 0, and
 *     training stalls at the best Gaussian fit (measured: loss flat at 4.255 nats from step 800 to
 *     1500 of nice-8gaussians.yaml; with the default initialisation it went on to 3.16 by step
 *     2500)
 */
public record NiceConfig(
    Integer couplings,
    List<Integer> hidden,
    String activation,
    String partition,
    String prior,
    Boolean identityInit) {

  /** Values accepted for {@code partition}. */
  public static final List<String> PARTITIONS = List.of("alternating", "checkerboard");

  /** Values accepted for {@code prior}. */
  public static final List<String> PRIORS = List.of("logistic", "normal");

  /** Fills defaults and checks ranges. */
  public NiceConfig {
    couplings = Require.atLeast("couplings", couplings == null ? 4 : couplings, 4);
    hidden = Require.widths("hidden", hidden, List.of(256, 256));
    activation =
        Require.oneOf("activation", activation == null ? "relu" : activation, Activation.names());
    partition =
        Require.oneOf("partition", partition == null ? "alternating" : partition, PARTITIONS);
    prior = Require.oneOf("prior", prior == null ? "logistic" : prior, PRIORS);
    identityInit = identityInit != null && identityInit;
  }

  /** Every key at its default. */
  public static NiceConfig defaults() {
    return new NiceConfig(null, null, null, null, null, null);
  }
}
