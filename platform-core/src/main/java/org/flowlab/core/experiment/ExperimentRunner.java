package org.flowlab.core.experiment;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.flowlab.api.device.DeviceCheck;
import org.flowlab.api.flow.Flow;
import org.flowlab.core.config.ConfigException;
import org.flowlab.core.config.ExperimentConfig;
import org.flowlab.core.config.LoadedConfig;
import org.flowlab.core.data.BinarizedImages;
import org.flowlab.core.data.DataSplits;
import org.flowlab.core.data.DatasetException;
import org.flowlab.core.data.Datasets;
import org.flowlab.core.eval.Evaluation;
import org.flowlab.core.eval.Plots;
import org.flowlab.core.plugins.PluginHost;
import org.flowlab.core.plugins.PluginSummary;
import org.flowlab.core.runtime.LibtorchRuntime;
import org.flowlab.core.tracking.LocalRunStore;
import org.flowlab.core.tracking.MetricPoint;
import org.flowlab.core.tracking.RunDataset;
import org.flowlab.core.tracking.RunTags;
import org.flowlab.core.tracking.TrackedRun;
import org.flowlab.core.tracking.Tracker;
import org.flowlab.core.train.Checkpoint;
import org.flowlab.core.train.Devices;
import org.flowlab.core.train.ReverseKlObjective;
import org.flowlab.core.train.StopRequest;
import org.flowlab.core.train.TorchAutocast;
import org.flowlab.core.train.Trainer;
import org.flowlab.core.train.TrainingDivergedException;
import org.flowlab.core.train.TrainingStoppedException;
import org.flowlab.core.vae.VaeEvaluation;
import org.flowlab.core.vae.VaeModel;
import org.flowlab.core.vae.VaeObjective;
import org.flowlab.core.vi.VariationalEvaluation;

/**
 * {@code flowlab run}: resolves {@code model.family} through the plugin host, builds the dataset
 * and the flow on the chosen device, trains with checkpoints, evaluates the best checkpoint on the
 * test split, and records params, metrics, tags and artifacts in the tracker.
 */
public final class ExperimentRunner {
  private static final java.util.concurrent.ExecutorService COMPUTE =
      java.util.concurrent.Executors.newSingleThreadExecutor(
          r -> {
            Thread t =
                new Thread(
                    () -> {
                      Devices.stopRecordingGradients();
                      r.run();
                    },
                    "flowlab-compute");
            t.setDaemon(true);
            return t;
          });

  private final PluginHost plugins;
  private final TrackerFactory trackers;

  /** Wired by Guice. */
  @Inject
  public ExperimentRunner(PluginHost plugins, TrackerFactory trackers) {
    this.plugins = plugins;
    this.trackers = trackers;
  }

  /**
   * The result of a run.
   *
   * @param runId the tracked run's id
   * @param runDir its local folder
   * @param metrics final metrics
   */
  public record Outcome(String runId, Path runDir, Map<String, Double> metrics) {}

  /**
   * Runs an experiment. With {@code resumeRunId} set, continues that run from its last checkpoint.
   *
   * @throws ConfigException for bad input (exit code 2)
   * @throws TrainingDivergedException when training diverged (the run is marked FAILED)
   */
  public Outcome run(LoadedConfig loaded, String resumeRunId, PrintStream out) throws IOException {
    return run(loaded, new Target(resumeRunId, null, null, Map.of()), out);
  }

  /**
   * Where a run goes: an existing run to continue, or a new one with a name, parent and tags.
   *
   * @param existingRunId continue this run (from its last checkpoint when it has one), or null
   * @param runName the new run's name, or null for the experiment's name
   * @param parentRunId the new run's parent (a sweep), or null
   * @param tags tags set on the run as soon as it exists
   */
  public record Target(
      String existingRunId, String runName, String parentRunId, Map<String, String> tags) {
    /** Defensive copy. */
    public Target {
      tags = Map.copyOf(tags);
    }
  }

  /**
   * Runs an experiment into {@code target}: a new run (with parent and tags, e.g. a sweep trial or
   * a reproduction), or an existing one continued from its last checkpoint. The config file, params
   * and tags are recorded for a continued run too when it never got that far.
   *
   * @throws ConfigException for bad input (exit code 2)
   * @throws TrainingDivergedException when training diverged (the run is marked FAILED)
   */
  public Outcome run(LoadedConfig loaded, Target target, PrintStream out) throws IOException {
    String resumeRunId = target.existingRunId();
    ExperimentConfig config = loaded.config();
    boolean vae = config.model().variationalAutoencoder();
    // a plain VAE has no flow family; a flow VAE's family is its posterior flow
    ResolvedModel model =
        vae && config.model().family() == null ? null : ResolvedModel.resolve(loaded, plugins);
    ResolvedTarget density =
        config.training().reverseKl() ? ResolvedTarget.resolve(loaded, plugins) : null;
    // The device before the data: a GPU config on a machine without one stops at once.
    Device device = resolveDevice(loaded);
    String choice = Devices.describeChoice(config.training().device(), device);
    if (choice != null) {
      out.println(choice);
    }
    DataSplits data = density != null ? null : vae ? loadBinarized(loaded) : loadData(loaded);
    Shape eventShape = density == null ? data.eventShape() : new Shape(density.target().dim());

    TrackerFactory.FoundRun existing =
        resumeRunId == null
            ? null
            : trackers.locate("--resume " + resumeRunId, resumeRunId, config.tracking());
    try (Tracker tracker =
            existing == null
                ? trackers.create(config.tracking())
                : trackers.create(config.tracking(), existing.store());
        NDManager manager = Devices.newRunManager(device)) {
      TrackedRun run =
          existing == null
              ? tracker.start(
                  config.tracking().experiment(),
                  target.runName() == null ? config.name() : target.runName(),
                  target.parentRunId())
              : tracker
                  .resume(existing.id())
                  .orElseThrow(
                      () ->
                          new ConfigException(
                              "--resume " + resumeRunId,
                              "",
                              "no such run in " + tracker.describe()));
      if (!target.tags().isEmpty()) {
        run.setTags(target.tags());
      }
      out.println("run " + run.id() + " (" + tracker.describe() + ")");
      try {
        // Every run computes on one JVM-wide thread, one run at a time: the engine's random
        // generator is global, and CPU kernels (OpenMP, MKL) keep per-thread state, so runs
        // computing side by side or on changing threads are not bitwise reproducible. Parallel
        // sweep trials therefore run in separate JVMs (SweepTrialProcess).
        boolean resuming = resumeRunId != null;
        Outcome outcome =
            onComputeThread(
                () -> {
                  // Here, not on the caller: PyTorch sets MKL's thread count per thread.
                  Devices.applyThreadDefault(eventShape, device);
                  Engine.getInstance().setRandomSeed((int) (config.seed() % Integer.MAX_VALUE));
                  return execute(
                      loaded,
                      model,
                      data,
                      density,
                      eventShape,
                      device,
                      manager,
                      run,
                      resuming,
                      out);
                });
        run.finish(Tracker.Status.FINISHED);
        return outcome;
      } catch (TrainingStoppedException e) {
        run.finish(Tracker.Status.KILLED); // --resume continues it from e.checkpoint()
        throw e;
      } catch (TrainingDivergedException e) {
        run.setTags(Map.of("flowlab.failure", e.getMessage()));
        run.finish(Tracker.Status.FAILED);
        throw e;
      } catch (RuntimeException | IOException e) {
        run.setTags(Map.of("flowlab.failure", String.valueOf(e)));
        run.finish(Tracker.Status.FAILED);
        throw e;
      }
    }
  }

  /** Whether autograd records on the compute thread (it must not: see {@link Devices}). */
  static boolean computeThreadRecordsGradients() throws Exception {
    return COMPUTE.submit(Devices::recordsGradients).get();
  }

  /** Runs {@code task} on the compute thread and waits for it (its exceptions rethrown). */
  private static Outcome onComputeThread(java.util.concurrent.Callable<Outcome> task)
      throws IOException {
    java.util.concurrent.Future<Outcome> f = COMPUTE.submit(task);
    try {
      return f.get();
    } catch (InterruptedException e) {
      f.cancel(true);
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException io) {
        throw io;
      }
      if (c instanceof RuntimeException re) {
        throw re;
      }
      if (c instanceof Error err) {
        throw err;
      }
      throw new IOException(c);
    }
  }

  private Outcome execute(
      LoadedConfig loaded,
      ResolvedModel model,
      DataSplits data,
      ResolvedTarget target,
      Shape eventShape,
      Device device,
      NDManager manager,
      TrackedRun run,
      boolean resuming,
      PrintStream out)
      throws IOException {
    ExperimentConfig config = loaded.config();
    var autocast = TorchAutocast.of(config.training().precision(), manager);
    VaeModel vae =
        config.model().variationalAutoencoder()
            ? VaeModel.buildForTraining(
                config.model().vae(),
                model == null ? null : model::buildInto,
                data.dim(),
                manager,
                config.seed(),
                autocast)
            : null;
    Flow flow =
        vae != null
            ? vae.trainingView()
            : model.buildForTraining(eventShape, manager, config.seed(), autocast);
    Path runDir = run.dir();
    Path configFile = runDir.resolve("config.yaml");
    // config.yaml is written last: a run killed before it (a sweep trial halted at once when its
    // host dies) records its params and tags again when resumed (the same values).
    if (!resuming || !Files.exists(configFile)) {
      run.logParams(params(loaded, eventShape));
      Map<String, String> tags =
          new LinkedHashMap<>(RunTags.collect(Path.of(System.getProperty("flowlab.home", "."))));
      tags.put("flowlab.config_hash", loaded.configHash());
      tags.put("flowlab.family", model == null ? "none" : model.family().name());
      tags.put("flowlab.model_kind", config.model().kind());
      tags.put("flowlab.device", device.toString());
      tags.put("flowlab.precision", config.training().precision());
      tags.put("flowlab.device_check", Boolean.toString(DeviceCheck.enabled()));
      tags.put("flowlab.seed", Long.toString(config.seed()));
      tags.put("flowlab.bitwise_reproducible", Boolean.toString(Trainer.bitwiseReproducible()));
      tags.put("flowlab.config_file", String.valueOf(loaded.source()));
      if (data != null) {
        tags.put(RunDataset.TAG, RunDataset.tagValue(data, loaded.flatParams().get("data.path")));
      } else {
        tags.put("flowlab.target", target.density().name());
      }
      for (PluginSummary p : plugins.plugins()) {
        tags.put("flowlab.plugin." + p.id(), p.version());
      }
      run.setTags(tags);
      Files.writeString(configFile, loaded.resolvedYaml(), StandardCharsets.UTF_8);
      run.logArtifact(configFile, "");
    }
    Trainer trainer =
        vae != null
            ? new Trainer(
                config.training(),
                config.seed(),
                flow,
                new VaeObjective(vae, data, config.seed(), config.training().batchSize()),
                manager,
                runDir.resolve("checkpoints"),
                loaded.configHash(),
                loaded.resolvedYaml())
            : target == null
                ? new Trainer(
                    config.training(),
                    config.seed(),
                    flow,
                    data,
                    manager,
                    runDir.resolve("checkpoints"),
                    loaded.configHash(),
                    loaded.resolvedYaml())
                : new Trainer(
                    config.training(),
                    config.seed(),
                    flow,
                    reverseKl(config, target),
                    manager,
                    runDir.resolve("checkpoints"),
                    loaded.configHash(),
                    loaded.resolvedYaml());
    TrainingProgress progress = new TrainingProgress(run, config.training().logEvery(), out);
    Trainer.Result result;
    try (progress) {
      result =
          trainer.train(data == null ? progress : withBitsPerDim(progress, data, run), resuming);
    }
    StopRequest.throwIfRequested(result.steps(), result.lastCheckpoint()); // before evaluating
    out.printf(
        "trained %d steps in %.1f s; best val %s %.4f nats at step %d%n",
        result.steps(),
        progress.seconds(),
        data == null || vae != null ? "-ELBO" : "NLL",
        result.bestValNll(),
        result.bestStep());
    if (DeviceCheck.enabled()) {
      out.printf(
          "device check: %d parameters, batches and probes checked, all on %s under the run's"
              + " manager%n",
          DeviceCheck.passed(), device);
    }

    Checkpoint best = Checkpoint.read(result.bestCheckpoint(), manager);
    Trainer.restore(flow, best.params());
    Evaluation.Report report =
        vae != null
            ? VaeEvaluation.evaluate(
                vae,
                data,
                manager,
                config.seed(),
                config.model().vae(),
                config.evaluation(),
                runDir.resolve("evaluation"))
            : data == null
                ? VariationalEvaluation.evaluate(
                    flow,
                    target.target(),
                    manager,
                    config.seed(),
                    config.evaluation(),
                    runDir.resolve("evaluation"),
                    config.name())
                : Evaluation.evaluate(
                    flow,
                    data,
                    manager,
                    config.seed(),
                    config.evaluation(),
                    runDir.resolve("evaluation"));
    for (var m : report.metrics().entrySet()) {
      run.logMetric(m.getKey(), m.getValue(), result.steps());
    }
    run.logMetric("train/seconds", progress.seconds(), result.steps());
    run.logMetric("train/steps_per_second", progress.stepsPerSecond(), result.steps());
    for (Path file : report.files()) {
      run.logArtifact(file, "evaluation");
    }
    Map<String, double[][]> series = lossCurves(run);
    if (config.evaluation().plots() && !series.isEmpty()) {
      Path curves = runDir.resolve("evaluation").resolve("loss.png");
      Plots.curves(curves, config.name() + ": loss", "step", "NLL (nats)", series);
      run.logArtifact(curves, "evaluation");
    }
    run.logArtifact(result.bestCheckpoint(), "checkpoints");
    printSummary(out, run, report, result);
    return new Outcome(run.id(), runDir, report.metrics());
  }

  /** The reverse-KL objective of a run with a {@code target} block. */
  private static ReverseKlObjective reverseKl(ExperimentConfig config, ResolvedTarget target) {
    return new ReverseKlObjective(
        target.target(),
        config.seed(),
        config.training().batchSize(),
        config.target().annealSteps());
  }

  /**
   * {@code listener}, plus {@code val/bits_per_dim} logged at every validation of image data (the
   * validation NLL converted, no extra pass).
   */
  static Trainer.Listener withBitsPerDim(
      Trainer.Listener listener, DataSplits data, TrackedRun run) {
    if (!data.quantized()) {
      return listener;
    }
    return new Trainer.Listener() {
      @Override
      public void onStart(long startStep, long totalSteps) {
        listener.onStart(startStep, totalSteps);
      }

      @Override
      public void onStep(
          long step, double loss, double lr, double gradNorm, Map<String, Double> figures) {
        listener.onStep(step, loss, lr, gradNorm, figures);
      }

      @Override
      public void onValidation(long step, double valNll, boolean improved) {
        listener.onValidation(step, valNll, improved);
        try {
          run.logMetric(
              "val/bits_per_dim", data.quantization().bitsPerDim(valNll, data.dim()), step);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }

      @Override
      public void onCheckpoint(long step, Path file) {
        listener.onCheckpoint(step, file);
      }

      @Override
      public void onLossScale(long step, double scale, long skippedSteps) {
        listener.onLossScale(step, scale, skippedSteps);
      }
    };
  }

  /**
   * The run's whole {@code train/loss} and {@code val/nll} history from the local store, one value
   * per step (the last logged: steps replayed after a resume are logged twice), as {steps[],
   * values[]} per series; a series with no points is left out.
   */
  private static Map<String, double[][]> lossCurves(TrackedRun run) throws IOException {
    LocalRunStore store = new LocalRunStore(run.dir().getParent());
    String runId = run.id();
    Map<String, double[][]> series = new LinkedHashMap<>();
    for (var entry : Map.of("train loss", "train/loss", "val NLL", "val/nll").entrySet()) {
      java.util.TreeMap<Long, Double> byStep = new java.util.TreeMap<>();
      for (MetricPoint p : store.metricHistory(runId, entry.getValue())) {
        byStep.put(p.step(), p.value());
      }
      if (byStep.isEmpty()) {
        continue; // a run shorter than log_every has no loss points: plot what there is
      }
      double[][] columns = new double[2][byStep.size()];
      int i = 0;
      for (var point : byStep.entrySet()) {
        columns[0][i] = point.getKey();
        columns[1][i++] = point.getValue();
      }
      series.put(entry.getKey(), columns);
    }
    return series;
  }

  /**
   * Loads the experiment's dataset.
   *
   * @throws ConfigException located at the {@code data} key at fault (unknown name, missing folder
   *     or file, bad file)
   */
  public static DataSplits loadData(LoadedConfig loaded) {
    if (loaded.config().data() == null) {
      throw loaded.invalidValue(
          "training.objective",
          "this command needs a data block; a reverse_kl experiment fits its target instead");
    }
    try {
      return Datasets.load(loaded.config().data(), loaded.config().seed());
    } catch (DatasetException e) {
      throw loaded.invalidValue("data." + e.key(), e.getMessage());
    } catch (IllegalArgumentException e) {
      throw loaded.invalidValue("data.name", e.getMessage());
    }
  }

  /**
   * Loads the statically binarised images of a VAE experiment, drawn once and kept under {@code
   * $FLOWLAB_CACHE/datasets} ({@link BinarizedImages}).
   *
   * @throws ConfigException located at the {@code data} key at fault
   */
  public static DataSplits loadBinarized(LoadedConfig loaded) {
    var data = loaded.config().data();
    try {
      return BinarizedImages.load(
          data.name(),
          data.path(),
          data.trainSize(),
          data.valSize(),
          data.testSize(),
          LibtorchRuntime.cacheRoot(System.getenv()).resolve("datasets"));
    } catch (DatasetException e) {
      throw loaded.invalidValue("data." + e.key(), e.getMessage());
    }
  }

  static Device resolveDevice(LoadedConfig loaded) {
    try {
      return Devices.resolve(loaded.config().training().device());
    } catch (IllegalArgumentException e) {
      throw loaded.invalidValue("training.device", e.getMessage());
    }
  }

  private static void printSummary(
      PrintStream out, TrackedRun run, Evaluation.Report report, Trainer.Result result) {
    report.metrics().forEach((k, v) -> out.printf("  %-26s %.4f%n", k, v));
    out.println("run:        " + run.dir());
    out.println("plots:      " + run.dir().resolve("evaluation"));
    out.println(
        "checkpoint: "
            + result.bestCheckpoint()
            + " (best), "
            + result.lastCheckpoint()
            + " (last)");
  }

  /** Keys that mean something for image data only (bit depth, sample-grid temperatures). */
  static final java.util.Set<String> IMAGE_ONLY_PARAMS =
      java.util.Set.of("data.n_bits", "evaluation.temperatures");

  /**
   * The params a run logs: the resolved config, flattened, without the image-only keys when the
   * data are not images (a 2D toy run carries no bit depth or sample-grid temperatures).
   */
  static Map<String, String> params(LoadedConfig loaded, ai.djl.ndarray.types.Shape event) {
    Map<String, String> params = new java.util.TreeMap<>(loaded.flatParams());
    // float32 is left out of the resolved config (and its hash); the run records it all the same
    params.putIfAbsent("training.precision", loaded.config().training().precision());
    if (event.dimension() != 3) {
      params.keySet().removeAll(IMAGE_ONLY_PARAMS);
    }
    return params;
  }
}
