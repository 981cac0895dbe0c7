package org.flowlab.core.export;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.flowlab.api.bijector.Logit;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.Direction;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.nn.Scalars;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxModels;
import org.flowlab.api.onnx.runtime.OnnxSession;
import org.flowlab.core.config.ConfigException;
import org.flowlab.core.config.LoadedConfig;
import org.flowlab.core.data.DataSplits;
import org.flowlab.core.eval.Evaluation;
import org.flowlab.core.experiment.ExperimentRunner;
import org.flowlab.core.experiment.ResolvedTarget;
import org.flowlab.core.experiment.TrackerFactory;
import org.flowlab.core.plugins.PluginHost;
import org.flowlab.core.tracking.LocalRunStore;
import org.flowlab.core.tracking.RunSummary;
import org.flowlab.core.tracking.TrackedRun;
import org.flowlab.core.tracking.Tracker;
import org.flowlab.core.train.Trainer;
import org.flowlab.core.vae.VaeGenerator;
import org.flowlab.core.vae.VaeModel;
import org.flowlab.registry.ModelCard;
import org.flowlab.registry.ModelStore;
import org.flowlab.registry.Parity;
import org.flowlab.registry.RegisteredFlow;

/**
 * Exports one run: rebuilds its flow from the run's resolved {@code config.yaml} through the family
 * plugin (as {@code reproduce} and {@code run --resume} do), restores the best checkpoint, emits
 * both ONNX models, checks them in ONNX Runtime against the JVM flow on held-out test points (log
 * p; for a reverse-KL fit, which has no data, on the flow's own samples) and on seeded latents
 * (samples), and publishes them with a model card. A family with the sampling direction only gets
 * its {@code sampler} model instead, checked on seeded latents (samples and log q); a VAE run its
 * {@code generator} (z → the decoder's Bernoulli means), checked on seeded latents. An export that
 * misses a tolerance is not published ({@link Parity.Failure}).
 */
public final class RunExporter {
  /** Held-out test points scored in the parity check (at most). */
  public static final int PARITY_POINTS = 512;

  /** Latents decoded in the parity check. */
  public static final int PARITY_LATENTS = 256;

  /** The temperature the parity latents are decoded at (≠ 1, so the scaling is checked too). */
  public static final double PARITY_TEMPERATURE = 0.8;

  private static final long PARITY_SEED = 20_240_521L;

  private final PluginHost plugins;
  private final TrackerFactory trackers;

  /** Wired by Guice. */
  @Inject
  public RunExporter(PluginHost plugins, TrackerFactory trackers) {
    this.plugins = plugins;
    this.trackers = trackers;
  }

  /**
   * Exports a run (its folder, or an id or unique prefix: see {@link TrackerFactory#locate}) as the
   * next version of {@code name}.
   *
   * @param name the model name, or null for the run's experiment name
   * @return the published card
   * @throws ConfigException when the run has no config or best checkpoint (exit code 2)
   * @throws Parity.Failure when ONNX Runtime does not reproduce the JVM flow
   */
  public ModelCard export(
      String run, String name, ModelStore store, OnnxSession.Provider provider, PrintStream out)
      throws IOException {
    RunFlows.Source source = new RunFlows(plugins, trackers).source("export", run);
    LocalRunStore runs = new LocalRunStore(source.runDir().getParent());
    LoadedConfig loaded = source.loaded();
    String modelName = name != null ? name : loaded.config().name();
    Map<String, Double> metrics = new TreeMap<>();
    runs.run(source.runId()).map(RunSummary::latestMetrics).ifPresent(metrics::putAll);
    Publication to = new Publication(source, modelName, metrics, store);
    ModelCard published;
    if (loaded.config().model().variationalAutoencoder()) {
      published = exportGenerator(to, provider, out);
    } else if (!source.model().family().directions().contains(Direction.DENSITY)) {
      published = exportSampler(to, provider, out);
    } else {
      published = exportDensity(to, provider, out);
    }
    record(
        runs,
        source.runId(),
        loaded,
        published,
        store.versionDir(modelName, published.version()),
        out);
    return published;
  }

  /**
   * Exports a run of a family with a density: its {@code log_prob} and {@code sample} models,
   * checked on held-out test points (log p; a reverse-KL fit has no data, so on the flow's own
   * seeded samples) and on seeded latents (samples).
   */
  private ModelCard exportDensity(Publication to, OnnxSession.Provider provider, PrintStream out)
      throws IOException {
    RunFlows.Source source = to.source();
    LoadedConfig loaded = source.loaded();
    long seed = loaded.config().seed();
    // A reverse-KL fit of a family with a density has no data: its event shape is the target's,
    // there is no preprocessing, and the parity check scores the flow's own samples instead.
    DataSplits data =
        loaded.config().training().reverseKl() ? null : ExperimentRunner.loadData(loaded);

    try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      Flow flow = source.restore(data == null ? targetEvent(loaded) : data.eventShape(), manager);
      OnnxModels models = flow.toOnnx();

      Shape event = flow.eventShape();
      ParityPoints points =
          data == null ? flowSamples(flow, manager) : heldOut(data, flow, seed, manager);
      NDArray xArray = points.x();
      NDArray cArray = points.context();
      float[] x = xArray.toFloatArray();
      float[] xContext = cArray == null ? null : cArray.toFloatArray();
      float[] jvmLogProb = flow.logProb(xArray, cArray, LogDetMode.EXPORTED).value().toFloatArray();

      Parity.Report parity;
      try (RegisteredFlow ort = onnxRuntime(models, flow, provider)) {
        float[] z = ort.draws(PARITY_LATENTS, PARITY_SEED);
        NDArray latent =
            Scalars.mul(
                manager.create(z, new Shape(PARITY_LATENTS).addAll(flow.latentShape())),
                PARITY_TEMPERATURE);
        float[] zContext =
            data != null && data.conditional()
                ? Evaluation.testContexts(data, PARITY_LATENTS)
                : null;
        NDArray latentContext =
            zContext == null
                ? null
                : manager.create(zContext, new Shape(PARITY_LATENTS, data.contextDim()));
        float[] jvmSamples = flow.decode(latent, latentContext).toFloatArray();
        parity =
            Parity.check(
                ort,
                x,
                xContext,
                points.count(),
                jvmLogProb,
                z,
                zContext,
                PARITY_LATENTS,
                PARITY_TEMPERATURE,
                jvmSamples);
        out.printf(
            java.util.Locale.ROOT,
            "parity (ONNX Runtime %s vs JVM): max |Δ log p| %.3g on %d %s, max |Δ x| %.3g"
                + " on %d latents (T=%.1f)%n",
            parity.provider(),
            parity.logProbMaxAbsError(),
            points.count(),
            points.what(),
            parity.sampleMaxAbsError(),
            PARITY_LATENTS,
            PARITY_TEMPERATURE);
        out.println("execution provider: " + ort.provider() + " (" + ort.providerNote() + ")");
      }
      return to.publish(
          models,
          parity,
          source.model().family().name(),
          event.getShape(),
          flow.latentShape().getShape(),
          preprocessing(flow, data),
          flow.contextDim(),
          ModelCard.DENSITY_GRAPHS);
    }
  }

  /**
   * Exports a run of a family with the sampling direction only (a reverse-KL fit of a target): its
   * {@code sampler} model (z → x, log q; {@link Flow#toOnnxSampler}), checked against the JVM's
   * samples and log q on seeded latents and published with a card whose {@code graphs} say there is
   * no {@code log_prob} model.
   */
  private ModelCard exportSampler(Publication to, OnnxSession.Provider provider, PrintStream out)
      throws IOException {
    RunFlows.Source source = to.source();
    LoadedConfig loaded = source.loaded();
    String family = source.model().family().name();
    Shape event = targetEvent(loaded);
    try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      Flow flow = source.restore(event, manager);
      OnnxModels models = flow.toOnnxSampler();
      out.println(
          "sampler only: family '"
              + family
              + "' offers the sampling direction only, so there is no log_prob model (no density"
              + " of given data); "
              + ModelStore.SAMPLER_FILE
              + " maps z to x and log q(x)");
      Parity.Report parity;
      try (RegisteredFlow ort = onnxRuntime(models, flow, provider)) {
        float[] z = ort.draws(PARITY_LATENTS, PARITY_SEED);
        NDArray latent = manager.create(z, new Shape(PARITY_LATENTS).addAll(flow.latentShape()));
        Transformed jvm = flow.decodeWithLogDet(latent);
        float[] jvmLogQ = flow.base().logProb(latent).sub(jvm.logDet()).toFloatArray();
        parity =
            Parity.checkSampler(ort, z, null, PARITY_LATENTS, jvm.value().toFloatArray(), jvmLogQ);
        out.printf(
            java.util.Locale.ROOT,
            "parity (ONNX Runtime %s vs JVM, sampler): max |Δ log q| %.3g, max |Δ x| %.3g on %d"
                + " latents%n",
            parity.provider(),
            parity.logProbMaxAbsError(),
            parity.sampleMaxAbsError(),
            PARITY_LATENTS);
        out.println("execution provider: " + ort.provider() + " (" + ort.providerNote() + ")");
      }
      return to.publish(
          models,
          parity,
          family,
          event.getShape(),
          flow.latentShape().getShape(),
          List.of(),
          flow.contextDim(),
          ModelCard.samplerGraphs(family));
    }
  }

  /**
   * Exports a VAE run (plain, or with a posterior flow): its {@code generator} model (z,
   * temperature → the decoder's Bernoulli means; {@link VaeGenerator}), checked against the JVM
   * decoder on seeded latents and published with a card whose {@code graphs} say there is no {@code
   * log_prob} model.
   */
  private ModelCard exportGenerator(Publication to, OnnxSession.Provider provider, PrintStream out)
      throws IOException {
    RunFlows.Source source = to.source();
    LoadedConfig loaded = source.loaded();
    String family = source.model() == null ? "vae" : "vae/" + source.model().family().name();
    Shape event = ExperimentRunner.loadBinarized(loaded).eventShape();
    try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      VaeModel vae = source.restoreVae(Math.toIntExact(event.size()), manager);
      OnnxModels models =
          new OnnxModels(null, VaeGenerator.toOnnx(vae, event), "normal", OnnxGraph.OPSET);
      long[] latentShape = {vae.latentDim()};
      out.println(
          "generator only: a VAE has no log_prob model (its log p(x) is only estimated, by"
              + " IW-NLL); "
              + ModelStore.GENERATOR_FILE
              + " maps z and the temperature to the decoder's Bernoulli means");
      Parity.Report parity;
      try (RegisteredFlow ort =
          new RegisteredFlow(models, event.getShape(), latentShape, provider)) {
        float[] z = ort.draws(PARITY_LATENTS, PARITY_SEED);
        float[] jvmMeans =
            vae.means(
                    Scalars.mul(
                        manager.create(z, new Shape(PARITY_LATENTS, vae.latentDim())),
                        PARITY_TEMPERATURE))
                .toFloatArray();
        parity = Parity.checkGenerator(ort, z, PARITY_LATENTS, PARITY_TEMPERATURE, jvmMeans);
        out.printf(
            java.util.Locale.ROOT,
            "parity (ONNX Runtime %s vs JVM, generator): max |Δ x| %.3g on %d latents (T=%.1f)%n",
            parity.provider(),
            parity.sampleMaxAbsError(),
            PARITY_LATENTS,
            PARITY_TEMPERATURE);
        out.println("execution provider: " + ort.provider() + " (" + ort.providerNote() + ")");
      }
      return to.publish(
          models,
          parity,
          family,
          event.getShape(),
          latentShape,
          List.of(),
          0,
          ModelCard.GENERATOR_GRAPHS);
    }
  }

  /**
   * Where an export goes: the version of {@code modelName} in {@code store}, with the source run's
   * config, id and latest metrics on its card.
   */
  private record Publication(
      RunFlows.Source source, String modelName, Map<String, Double> metrics, ModelStore store) {
    /** Publishes {@code models} with their card: what the models are and how they were checked. */
    ModelCard publish(
        OnnxModels models,
        Parity.Report parity,
        String family,
        long[] eventShape,
        long[] latentShape,
        List<String> preprocessing,
        int contextDim,
        Map<String, String> graphs)
        throws IOException {
      ModelCard card =
          new ModelCard(
              modelName,
              0,
              family,
              source.loaded().resolvedYaml(),
              eventShape,
              latentShape,
              models.noise(),
              preprocessing,
              metrics,
              source.runId(),
              models.opset(),
              parity,
              Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
              contextDim,
              graphs);
      return store.publish(modelName, models, card);
    }
  }

  /** A reverse-KL run's event shape: its target's dimension. */
  private Shape targetEvent(LoadedConfig loaded) {
    return new Shape(ResolvedTarget.resolve(loaded, plugins).target().dim());
  }

  /**
   * The points whose log p the parity check compares, with their contexts (null when the flow takes
   * none).
   *
   * @param what what they are, for the report line
   */
  private record ParityPoints(NDArray x, NDArray context, int count, String what) {}

  /**
   * Held-out points in data space, as evaluation sees them (pixels with the test split's fixed
   * dequantisation noise); conditional data gives each point its context.
   */
  private static ParityPoints heldOut(DataSplits data, Flow flow, long seed, NDManager manager) {
    int points = Math.min(PARITY_POINTS, data.test().count());
    float[] rows = new float[points * data.rowDim()];
    data.test()
        .copyRange(0, points, rows, data.quantization(), Trainer.evaluationNoise(seed, "test"));
    NDList parts =
        Trainer.rows(
            manager.create(
                rows,
                data.conditional()
                    ? new Shape(points, data.rowDim())
                    : new Shape(points).addAll(flow.eventShape())),
            data.contextDim());
    return new ParityPoints(
        parts.get(0), parts.size() > 1 ? parts.get(1) : null, points, "test points");
  }

  /**
   * A reverse-KL fit has no data: the flow's own seeded samples (where q puts its mass, so where
   * its log p is used).
   */
  private static ParityPoints flowSamples(Flow flow, NDManager manager) {
    NDArray x = flow.sample(manager, PARITY_POINTS, 1.0, new SplittableRandom(PARITY_SEED + 1));
    return new ParityPoints(x, null, PARITY_POINTS, "samples of the flow");
  }

  /** The exported models of {@code flow}, served by ONNX Runtime for the parity check. */
  private static RegisteredFlow onnxRuntime(
      OnnxModels models, Flow flow, OnnxSession.Provider provider) {
    return new RegisteredFlow(
        models,
        flow.eventShape().getShape(),
        flow.latentShape().getShape(),
        provider,
        flow.contextDim());
  }

  /**
   * Records the published version in its source run: the files as artifacts under {@code models/}
   * and the model tag, which an MLflow mirror turns into a version in MLflow's model registry. An
   * unreachable server costs nothing: the records wait in the local store for {@code flowlab sync}.
   */
  private void record(
      LocalRunStore runs,
      String runId,
      LoadedConfig loaded,
      ModelCard card,
      Path versionDir,
      PrintStream out)
      throws IOException {
    try (Tracker tracker = trackers.create(loaded.config().tracking(), runs)) {
      TrackedRun run =
          tracker
              .amend(runId)
              .orElseThrow(() -> new IllegalStateException("run " + runId + " disappeared"));
      String artifact = run.recordModel(card.name(), card.version(), versionDir);
      run.flush();
      out.println("run artifacts: " + artifact + " (" + tracker.describe() + ")");
    }
  }

  /** The fixed preprocessing steps at the front of the flow, described. */
  private static List<String> preprocessing(Flow flow, DataSplits data) {
    List<String> steps = new ArrayList<>();
    if (data != null && data.quantized()) {
      steps.add(
          "dequantize(n_bits="
              + data.quantization().nBits()
              + "): x = (bin + u)/"
              + data.quantization().bins()
              + ", u ~ U(0,1); log_prob is the density of x in [0,1)^D");
    }
    for (Bijector b : flow.bijectors()) {
      if (b instanceof Logit logit) {
        steps.add("logit(alpha=" + logit.alpha() + ")");
      } else {
        break;
      }
    }
    return steps;
  }
}
