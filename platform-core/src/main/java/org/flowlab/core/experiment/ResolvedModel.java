package org.flowlab.core.experiment;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.bijector.Logit;
import org.flowlab.api.flow.Direction;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.nn.Autocast;
import org.flowlab.api.nn.Parameter;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.nn.ParameterStorage;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.spi.FamilyBuildException;
import org.flowlab.api.spi.FlowFamily;
import org.flowlab.core.config.LoadedConfig;
import org.flowlab.core.data.DatasetException;
import org.flowlab.core.data.Datasets;
import org.flowlab.core.plugins.PluginHost;
import org.flowlab.core.train.PackedParameters;

/**
 * An experiment's {@code model} block resolved: the family found through the plugin host and its
 * {@code params} bound to the family's config record, plus the data preprocessing the host puts in
 * front of the family's flow.
 *
 * @param family the installed family named by {@code model.family}
 * @param params the bound {@code model.params} record
 * @param logitAlpha {@code data.logit_alpha}: when set, every flow built starts with {@code
 *     Logit(alpha)}, so training, evaluation, reproduction and export share one density of the data
 *     in [0, 1); null for none
 * @param source the config the model came from, to locate a {@link FamilyBuildException} in it;
 *     null when there is none
 * @param contextDim features of the context the data gives each point ({@code data.condition}),
 *     handed to the family in {@link BuildContext}; 0 for unconditional data. A family whose flow
 *     does not read it is refused, located at {@code data.condition}.
 */
public record ResolvedModel(
    FlowFamily<?> family, Object params, Double logitAlpha, LoadedConfig source, int contextDim) {

  /** A model without preprocessing. */
  public ResolvedModel(FlowFamily<?> family, Object params) {
    this(family, params, null, null, 0);
  }

  /**
   * Finds {@code model.family} and binds {@code model.params}.
   *
   * @throws org.flowlab.core.config.ConfigException for an unknown family or bad params, located in
   *     the YAML
   */
  public static ResolvedModel resolve(LoadedConfig loaded, PluginHost plugins) {
    String name = loaded.config().model().family();
    if (name == null) { // only a VAE may leave it out: a plain VAE, with a Gaussian posterior
      throw loaded.invalidValue(
          "model.family", "a plain VAE has no flow: this command needs a model.family");
    }
    List<String> claimants = plugins.conflicts().get(name);
    if (claimants != null) {
      throw loaded.invalidValue(
          "model.family",
          "family '"
              + name
              + "' is declared by "
              + String.join(" and ", claimants)
              + "; remove one of them from the plugins folder");
    }
    FlowFamily<?> family =
        plugins
            .family(name)
            .orElseThrow(
                () ->
                    loaded.unknownFamily(
                        plugins.families().keySet(),
                        plugins.failures().stream().map(p -> p.id() + ": " + p.error()).toList()));
    requireDirection(loaded, family);
    var data = loaded.config().data();
    var model = loaded.config().model();
    int contextDim;
    try {
      contextDim =
          model.variationalAutoencoder()
              ? model.vae().contextDim()
              : data == null ? 0 : Datasets.contextDim(data);
    } catch (DatasetException e) {
      throw loaded.invalidValue("data." + e.key(), e.getMessage());
    }
    return new ResolvedModel(
        family,
        loaded.bindParams(family.configType()),
        data == null ? null : data.logitAlpha(),
        loaded,
        contextDim);
  }

  /**
   * The objective needs a direction the family may lack: maximum likelihood the density direction,
   * reverse KL and a VAE's posterior the sampling direction.
   *
   * @throws org.flowlab.core.config.ConfigException located at {@code model.family}
   */
  private static void requireDirection(LoadedConfig loaded, FlowFamily<?> family) {
    boolean reverseKl = loaded.config().training().reverseKl();
    boolean posterior = loaded.config().model().variationalAutoencoder();
    Direction needed = reverseKl || posterior ? Direction.SAMPLING : Direction.DENSITY;
    if (!family.directions().contains(needed)) {
      throw loaded.invalidValue(
          "model.family",
          posterior
              ? "family '"
                  + family.name()
                  + "' offers no sampling direction, which a VAE posterior needs"
              : reverseKl
                  ? "family '"
                      + family.name()
                      + "' offers no sampling direction, which training.objective reverse_kl needs"
                  : "family '"
                      + family.name()
                      + "' offers the sampling direction only (no density of given data): train it"
                      + " with training.objective: reverse_kl and a target block");
    }
  }

  /**
   * Builds an untrained flow whose parameters live on {@code manager}'s device, initialised from
   * {@code seed}, behind the logit preprocessing when {@link #logitAlpha()} is set (its log-det
   * counts in {@code logProb}).
   *
   * @throws org.flowlab.core.config.ConfigException when the family rejects its params for this
   *     data ({@link FamilyBuildException}), located at {@code model.params.<key>}
   */
  public Flow build(Shape eventShape, NDManager manager, long seed) {
    return build(eventShape, manager, seed, null, Autocast.FLOAT32);
  }

  /**
   * The flow for training: like {@link #build}, with its matmul-class layers computing through
   * {@code autocast} ({@code training.precision}), and with every trainable parameter in one packed
   * buffer ({@link PackedParameters}, CPU) so that the optimizer works on all of them in one native
   * call. The family builds twice: once to learn the parameters' names and shapes, then into the
   * buffer; initial values depend only on (seed, name), so both builds start from the same values.
   */
  public Flow buildForTraining(Shape eventShape, NDManager manager, long seed, Autocast autocast) {
    Flow layout = build(eventShape, manager, seed, null, autocast);
    PackedParameters packed = PackedParameters.create(layout.parameters(), manager);
    if (packed == null) {
      return layout;
    }
    for (Parameter p : layout.parameters()) {
      p.value().close();
    }
    return build(eventShape, manager, seed, packed, autocast);
  }

  private Flow build(
      Shape eventShape, NDManager manager, long seed, ParameterStorage storage, Autocast autocast) {
    Flow flow = buildInto(eventShape, ParameterScope.root(manager, seed, storage, autocast));
    return logitAlpha == null ? flow : flow.withPreprocessing(List.of(new Logit(logitAlpha)));
  }

  /**
   * Builds the family's flow with its parameters in {@code scope}, without preprocessing: for a
   * flow inside a larger model (a VAE's posterior, in the VAE's scope).
   *
   * @throws org.flowlab.core.config.ConfigException when the family rejects its params ({@code
   *     model.params.<key>}) or does not read the context this model gives it
   */
  public Flow buildInto(Shape eventShape, ParameterScope scope) {
    Flow flow;
    try {
      flow = buildTyped(family, eventShape, scope);
    } catch (FamilyBuildException e) {
      if (source == null) {
        throw e;
      }
      throw e.key() == null
          ? source.invalidValue("model.family", e.problem())
          : source.invalidValue("model.params." + e.key(), e.problem());
    }
    if (flow.contextDim() != contextDim) {
      boolean posterior = source != null && source.config().model().variationalAutoencoder();
      String problem =
          "family '"
              + family.name()
              + (posterior
                  ? "' takes no context, through which a VAE posterior is amortised (iaf,"
                      + " planar, radial and sylvester do)"
                  : "' takes no context: conditional flows are realnvp (vectors), maf, iaf and"
                      + " nsf");
      if (source == null) {
        throw new IllegalArgumentException(problem);
      }
      throw source.invalidValue(posterior ? "model.family" : "data.condition", problem);
    }
    return flow;
  }

  @SuppressWarnings("unchecked")
  private <C> Flow buildTyped(FlowFamily<C> typed, Shape eventShape, ParameterScope root) {
    return typed.build((C) params, new BuildContext(eventShape, root, contextDim));
  }
}
