package org.flowlab.registry;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.util.List;
import java.util.Map;

/**
 * What travels with an exported model ({@code model-card.json}, snake_case keys): where it came
 * from, what it expects, and how closely ONNX Runtime reproduced the JVM model.
 *
 * @param name the registered name
 * @param version the version, from 1
 * @param family the flow family ({@code model.family})
 * @param config the run's resolved config (YAML)
 * @param eventShape the shape of one data point, e.g. {@code [2]}
 * @param latentShape the shape of one latent point
 * @param noise the standard noise the sample model takes: {@code normal} or {@code logistic}
 * @param preprocessing fixed steps included in {@code log_prob} (e.g. {@code logit(alpha=0.05)})
 * @param metrics the source run's final metrics
 * @param sourceRun the id of the run the weights come from
 * @param opset the ONNX operator set
 * @param parity the parity check made at export
 * @param createdAt ISO-8601 UTC instant of the export
 * @param contextDim features of the context both models take as their {@code context} input (a
 *     conditional flow); 0 for an unconditional one (and for cards written before the key existed)
 * @param graphs the ONNX graphs stored with the card, by name ({@code log_prob}, {@code sample},
 *     {@code sampler}, {@code generator}), each with a line saying what it computes; a card written
 *     before the key existed has {@link #DENSITY_GRAPHS}
 */
public record ModelCard(
    String name,
    int version,
    String family,
    String config,
    long[] eventShape,
    long[] latentShape,
    String noise,
    List<String> preprocessing,
    Map<String, Double> metrics,
    String sourceRun,
    int opset,
    Parity.Report parity,
    String createdAt,
    int contextDim,
    Map<String, String> graphs) {

  /** The {@code log_prob} graph: x → log p(x). */
  public static final String LOG_PROB = "log_prob";

  /** The {@code sample} graph: z, temperature → x. */
  public static final String SAMPLE = "sample";

  /** The {@code sampler} graph of a sampling-only flow: z → x, log q(x). */
  public static final String SAMPLER = "sampler";

  /** The {@code generator} graph of a VAE: z, temperature → the decoder's Bernoulli means. */
  public static final String GENERATOR = "generator";

  /** The graphs of a flow with the density direction. */
  public static final Map<String, String> DENSITY_GRAPHS =
      ordered(
          LOG_PROB,
          "x (N, event...) [, context (N, k)] -> log_prob (N): log p(x) in data space",
          SAMPLE,
          "z (N, latent...), temperature [, context (N, k)] -> x (N, event...): samples");

  /**
   * The graphs of a flow with the sampling direction only: the sampler, and why there is no density
   * model.
   */
  public static Map<String, String> samplerGraphs(String family) {
    return ordered(
        SAMPLER,
        "z (N, latent...) [, context (N, k)] -> x (N, event...), log_q (N): samples and their"
            + " log-density under the flow; no log_prob graph: family '"
            + family
            + "' offers the sampling direction only (no density of given data)");
  }

  /**
   * The graphs of a VAE: its generator, and why there is no density model (a VAE's marginal
   * likelihood has no closed form; its run estimates it by importance sampling, IW-NLL).
   */
  public static final Map<String, String> GENERATOR_GRAPHS =
      ordered(
          GENERATOR,
          "z (N, latent), temperature -> x (N, event...): the decoder's Bernoulli means"
              + " sigmoid(decoder(temperature * z)), z ~ N(0, I); no log_prob graph: a VAE's"
              + " log p(x) is only estimated (IW-NLL in its run), not computed");

  /** The graphs stored with the card ({@link #DENSITY_GRAPHS} for a card without the key). */
  @Override
  public Map<String, String> graphs() {
    return graphs == null ? DENSITY_GRAPHS : graphs;
  }

  /**
   * Whether the graph {@code name} ({@link #LOG_PROB}, {@link #SAMPLE}, {@link #SAMPLER}, {@link
   * #GENERATOR}) is stored.
   */
  public boolean has(String graph) {
    return graphs().containsKey(graph);
  }

  private static Map<String, String> ordered(String... keysAndValues) {
    Map<String, String> map = new java.util.LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return java.util.Collections.unmodifiableMap(map);
  }

  private static final Gson GSON =
      new GsonBuilder()
          .setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES)
          .disableHtmlEscaping() // a card is read by people and JSON parsers, not browsers
          .serializeSpecialFloatingPointValues()
          .setPrettyPrinting()
          .create();

  /** The same card with another name and version. */
  public ModelCard withVersion(String newName, int newVersion) {
    return new ModelCard(
        newName,
        newVersion,
        family,
        config,
        eventShape,
        latentShape,
        noise,
        preprocessing,
        metrics,
        sourceRun,
        opset,
        parity,
        createdAt,
        contextDim,
        graphs);
  }

  /** Elements in one data point. */
  public int eventSize() {
    return Math.toIntExact(product(eventShape));
  }

  /** Elements in one latent point. */
  public int latentSize() {
    return Math.toIntExact(product(latentShape));
  }

  /** The card as pretty-printed JSON. */
  public String toJson() {
    return GSON.toJson(this);
  }

  /**
   * Reads a card written by {@link #toJson}.
   *
   * @throws IllegalArgumentException when the text is not a whole card (torn JSON, or a required
   *     field missing), with a one-line reason
   */
  public static ModelCard fromJson(String json) {
    ModelCard card;
    try {
      card = GSON.fromJson(json, ModelCard.class);
    } catch (com.google.gson.JsonParseException e) {
      String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      throw new IllegalArgumentException(
          "not whole JSON (" + reason.lines().findFirst().orElse("") + ")");
    }
    if (card == null) {
      throw new IllegalArgumentException("empty");
    }
    Map<String, Object> required = new java.util.LinkedHashMap<>();
    required.put("name", card.name);
    required.put("version", card.version < 1 ? null : card.version);
    required.put("family", card.family);
    required.put("event_shape", card.eventShape);
    required.put("latent_shape", card.latentShape);
    required.put("noise", card.noise);
    required.put("parity", card.parity);
    List<String> missing =
        required.entrySet().stream()
            .filter(e -> e.getValue() == null)
            .map(Map.Entry::getKey)
            .toList();
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("not a model card: no " + String.join(", ", missing));
    }
    return card;
  }

  private static long product(long[] shape) {
    long p = 1;
    for (long d : shape) {
      p *= d;
    }
    return p;
  }
}
