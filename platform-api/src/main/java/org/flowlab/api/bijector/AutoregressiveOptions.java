package org.flowlab.api.bijector;

import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.bijector.Autoregressive.Direction;
import org.flowlab.api.config.Require;
import org.flowlab.api.distribution.BaseDistribution;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.Made;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.spi.BuildContext;

/**
 * The options of a flow of autoregressive layers, with their defaults and checks, written once for
 * the families that read them in either {@link Direction} (MAF, IAF). A family's config record
 * keeps these YAML keys (snake_case) as its own components, hands their values over in its compact
 * constructor and takes the filled ones back; its family builds with {@link #flow}. A null takes
 * the default; a bad value throws {@link org.flowlab.api.config.InvalidValueException} naming the
 * YAML key.
 *
 * @param layers number of autoregressive layers (default 5, as in the MAF paper; at least 1)
 * @param hidden hidden widths of each MADE (default [64, 64]; each at least 1; d − 1 or wider keeps
 *     every MADE degree, narrower leaves the later elements in the order conditioned on the first
 *     ones only)
 * @param order the autoregressive order from one layer to the next: {@code reversed} (default,
 *     natural then reversed, alternating), {@code natural} (the same in every layer) or {@code
 *     random} (a seeded permutation per layer)
 * @param activation nonlinearity of the MADEs: tanh, relu, elu, softplus or silu (default relu)
 * @param residual whether each MADE is a residual MADE (nflows' ResidualMADE: the first masked
 *     layer to the hidden width, then one pre-activation masked residual block of two layers per
 *     further width, each starting as the identity); the widths must then be equal, at least two
 *     (default false)
 * @param actnorm whether an actnorm (per-feature affine, initialised from the first batch) precedes
 *     each layer in the data → latent direction: MAF's batch norm between layers without batch
 *     statistics (default false)
 * @param identityInit whether each MADE's output layer starts at zero, so that each layer starts at
 *     its transform's zero parameters, the identity for the affine map (YAML {@code identity_init};
 *     default true)
 * @param logScaleBound the largest |log-scale| of the affine map, a soft clamp {@code B·tanh(s/B)}
 *     (YAML {@code log_scale_bound}; default 3, in (0, 20])
 * @param prior the latent distribution: {@code normal} (default) or {@code logistic}
 */
public record AutoregressiveOptions(
    Integer layers,
    List<Integer> hidden,
    String order,
    String activation,
    Boolean residual,
    Boolean actnorm,
    Boolean identityInit,
    Double logScaleBound,
    String prior) {

  /** Values accepted for {@code prior}. */
  public static final List<String> PRIORS = List.of("normal", "logistic");

  /** Fills defaults and checks ranges. */
  public AutoregressiveOptions {
    layers = Require.atLeast("layers", layers == null ? 5 : layers, 1);
    hidden = Require.nonEmpty("hidden", Require.widths("hidden", hidden, List.of(64, 64)));
    order = Require.oneOf("order", order == null ? "reversed" : order, Made.ORDERINGS);
    activation =
        Require.oneOf("activation", activation == null ? "relu" : activation, Activation.names());
    residual = residual != null && residual;
    if (residual) {
      Require.sameWidths("hidden", hidden, 2);
    }
    actnorm = actnorm != null && actnorm;
    identityInit = identityInit == null || identityInit;
    logScaleBound =
        Require.between("log_scale_bound", logScaleBound == null ? 3.0 : logScaleBound, 1e-3, 20);
    prior = Require.oneOf("prior", prior == null ? "normal" : prior, PRIORS);
  }

  /**
   * The flow for {@code context}'s data: vectors (d), d ≥ 2, or images (c, h, w) flattened to the
   * vector (c·h·w) first ({@link Autoregressive#flattenedSize}); the body {@link
   * Autoregressive#stack} of these options with {@code transform} in every layer, parameters {@code
   * layer.K.made.*} and {@code actnorm.K.*}; the {@code prior} as base. With a context ({@link
   * BuildContext#contextDim()}, vectors only) every MADE reads it.
   *
   * @param family the family's name, for the messages
   * @param transform the elementwise map of every layer
   * @param direction which direction takes one pass
   * @throws org.flowlab.api.spi.FamilyBuildException for a shape the layers cannot take
   */
  public Flow flow(
      String family, ElementwiseTransform transform, Direction direction, BuildContext context) {
    Shape shape = context.eventShape();
    int d = Autoregressive.flattenedSize(family, context);
    ParameterScope root = context.parameters();
    List<Bijector> steps =
        Autoregressive.stack(
            root,
            d,
            layers,
            order,
            hidden,
            Activation.named(activation),
            residual,
            transform,
            direction,
            actnorm,
            identityInit,
            context.contextDim());
    return new Flow(
        shape, BaseDistribution.named(prior), Reshape.flattened(shape, steps), root.parameters());
  }
}
