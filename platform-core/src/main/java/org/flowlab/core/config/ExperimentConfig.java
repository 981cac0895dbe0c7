package org.flowlab.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.List;
import org.flowlab.api.config.InvalidValueException;
import org.flowlab.api.config.Require;

/**
 * One experiment, bound from YAML (snake_case keys). Every record fills its defaults in its compact
 * constructor and checks ranges with {@link Require}; {@link ConfigLoader} turns each failure into
 * a located message. {@code sweep} is null unless the file has a {@code sweep:} block (read by
 * {@code flowlab sweep}; {@code flowlab run} ignores it); {@code export} is null unless the file
 * has an {@code export:} block (read by {@code flowlab run}). {@code training.objective:
 * reverse_kl} fits the {@code target:} block's density instead of {@code data:}.
 */
public record ExperimentConfig(
    String name,
    Long seed,
    DataConfig data,
    ModelConfig model,
    TrainingConfig training,
    EvaluationConfig evaluation,
    TrackingConfig tracking,
    SweepConfig sweep,
    ExportConfig export,
    TargetConfig target) {

  public ExperimentConfig {
    if (name == null || name.isBlank()) {
      throw new InvalidValueException("name", "is required");
    }
    if (!name.matches("[A-Za-z0-9_.-]+")) {
      throw new InvalidValueException("name", "may hold only letters, digits, '_', '.', '-'");
    }
    seed = seed == null ? 0L : Require.atLeast("seed", seed, 0L);
    training = training == null ? TrainingConfig.defaults() : training;
    if (training.reverseKl()) {
      if (target == null) {
        throw new InvalidValueException(
            "target", "is required with training.objective reverse_kl (e.g. target: {name: u1})");
      }
      if (data != null) {
        throw new InvalidValueException(
            "data", "reverse_kl fits a target density, not data: remove the data block");
      }
      if (training.epochs() != null) {
        throw new InvalidValueException(
            "training.epochs", "reverse_kl draws fresh samples every step: give steps");
      }
    } else {
      if (data == null) {
        throw new InvalidValueException("data", "is required");
      }
      if (target != null) {
        throw new InvalidValueException(
            "target", "is read by training.objective reverse_kl only (this run fits data)");
      }
    }
    if (model == null) {
      throw new InvalidValueException("model", "is required");
    }
    if (model.variationalAutoencoder()) {
      if (training.reverseKl()) {
        throw new InvalidValueException(
            "training.objective", "a VAE maximises its ELBO on data: remove reverse_kl");
      }
      if (data.condition() != null) {
        throw new InvalidValueException(
            "data.condition", "a VAE reads unconditional images: remove the condition");
      }
      if (data.logitAlpha() != null) {
        throw new InvalidValueException(
            "data.logit_alpha", "a VAE reads binarised images, no logit: remove it");
      }
    }
    evaluation = evaluation == null ? EvaluationConfig.defaults() : evaluation;
    tracking = tracking == null ? new TrackingConfig(null, null) : tracking;
    if (tracking.experiment() == null) {
      tracking = new TrackingConfig(tracking.uri(), name);
    }
  }

  /**
   * {@code data}: which dataset, where its files are, how many points per split and how pixels are
   * preprocessed.
   *
   * @param name a toy density ({@code 8gaussians}, ...), an image dataset ({@code mnist}, {@code
   *     fashion-mnist}, {@code cifar10}) or a tabular one ({@code power}, {@code gas}, {@code
   *     hepmass}, {@code miniboone}, {@code bsds300}, {@code csv}, {@code npy})
   * @param path the folder (or file) of a file dataset; fashion-mnist defaults to {@code
   *     /usr/share/datasets/fashion-mnist}; toy densities take none
   * @param trainSize training points: drawn for a toy density (default 50,000), a cap on the file's
   *     split for file datasets (default: all)
   * @param valSize validation points: toy default 5,000; files: a cap, default all
   * @param testSize test points: toy default 20,000; files: a cap, default all
   * @param nBits image bit depth 1..8 (default 8): pixel p becomes bin p >> (8 − n_bits)
   * @param logitAlpha images only: model logit(α + (1−α)x) (RealNVP: 0.05); absent = no logit
   */
  public record DataConfig(
      String name,
      String path,
      Integer trainSize,
      Integer valSize,
      Integer testSize,
      Integer nBits,
      Double logitAlpha,
      String condition) {
    public DataConfig {
      if (name == null || name.isBlank()) {
        throw new InvalidValueException("name", "is required");
      }
      if (path != null && path.isBlank()) {
        throw new InvalidValueException("path", "must not be blank");
      }
      if (trainSize != null) {
        Require.atLeast("train_size", trainSize, 1);
      }
      if (valSize != null) {
        Require.atLeast("val_size", valSize, 1);
      }
      if (testSize != null) {
        Require.atLeast("test_size", testSize, 1);
      }
      nBits = nBits == null ? 8 : nBits;
      if (nBits < 1 || nBits > 8) {
        throw new InvalidValueException("n_bits", "must be in 1..8, got " + nBits);
      }
      if (logitAlpha != null) {
        if (!(logitAlpha >= 0 && logitAlpha < 1)) {
          throw new InvalidValueException(
              "logit_alpha", "must be in [0, 1) (RealNVP uses 0.05), got " + logitAlpha);
        }
      }
    }

    /** A toy dataset block: name and split sizes, everything else default. */
    public DataConfig(String name, Integer trainSize, Integer valSize, Integer testSize) {
      this(name, null, trainSize, valSize, testSize, null, null, null);
    }

    /** A block without a condition (an unconditional dataset). */
    public DataConfig(
        String name,
        String path,
        Integer trainSize,
        Integer valSize,
        Integer testSize,
        Integer nBits,
        Double logitAlpha) {
      this(name, path, trainSize, valSize, testSize, nBits, logitAlpha, null);
    }
  }

  /**
   * {@code model}: the family and its own {@code params} block (a mapping; absent means all
   * defaults), bound later by the family's config type through {@link LoadedConfig#bindParams}.
   *
   * @param kind {@code flow} (default: the flow models the data) or {@code vae} (a variational
   *     autoencoder on binarised images; {@code family}, when given, is its posterior flow)
   * @param vae the VAE's encoder, decoder and evaluation budget ({@code kind: vae} only)
   */
  public record ModelConfig(String kind, String family, JsonNode params, VaeConfig vae) {
    /** Values accepted for {@code kind}. */
    public static final List<String> KINDS = List.of("flow", "vae");

    public ModelConfig {
      kind = Require.oneOf("kind", kind == null ? "flow" : kind, KINDS);
      if (kind.equals("vae")) {
        vae = vae == null ? VaeConfig.defaults() : vae;
      } else if (vae != null) {
        throw new InvalidValueException("vae", "is read by model.kind vae only");
      }
      if (family != null && family.isBlank()) {
        throw new InvalidValueException("family", "must not be blank");
      }
      if (family == null && kind.equals("flow")) {
        throw new InvalidValueException("family", "is required");
      }
      if (params == null || params.isNull() || params.isMissingNode()) {
        params = JsonNodeFactory.instance.objectNode();
      } else if (!params.isObject()) {
        throw new InvalidValueException("params", "must be a mapping of the family's parameters");
      } else if (family == null && !params.isEmpty()) {
        throw new InvalidValueException(
            "params", "are the posterior flow's: name its model.family, or remove them");
      }
    }

    /** A flow model: {@code kind: flow}. */
    public ModelConfig(String family, JsonNode params) {
      this(null, family, params, null);
    }

    /** Whether this is a variational autoencoder ({@code kind: vae}). */
    public boolean variationalAutoencoder() {
      return kind.equals("vae");
    }
  }

  /**
   * {@code target}: the density a {@code reverse_kl} run fits, found by name among the host's
   * targets and the plugins' ({@link org.flowlab.api.target.TargetDensity}).
   *
   * @param name {@code u1}..{@code u4} (Rezende and Mohamed 2015, Table 1), {@code banana}, {@code
   *     funnel}, {@code gmm}, or a plugin's target
   * @param dim the dimension where the target has a choice (funnel, gmm); absent: its default
   * @param params the target's own parameters, bound to its config record
   * @param annealSteps β in {@code log q − β·log p̃} rises linearly from 0.01 to 1 over this many
   *     steps (the paper: 10,000); default 0, no annealing
   */
  public record TargetConfig(String name, Integer dim, JsonNode params, Long annealSteps) {
    public TargetConfig {
      if (name == null || name.isBlank()) {
        throw new InvalidValueException("name", "is required");
      }
      if (dim != null) {
        Require.atLeast("dim", dim, 1);
      }
      if (params == null || params.isNull() || params.isMissingNode()) {
        params = JsonNodeFactory.instance.objectNode();
      } else if (!params.isObject()) {
        throw new InvalidValueException("params", "must be a mapping of the target's parameters");
      }
      annealSteps = annealSteps == null ? 0L : Require.atLeast("anneal_steps", annealSteps, 0L);
    }
  }

  /**
   * {@code training}: device, batch size, length, optimiser, schedule, clipping, checkpoints and
   * the compute precision.
   *
   * @param precision {@code float32} (default), {@code bfloat16} or {@code float16}: the type the
   *     matmul-class layers compute in (autocast); parameters, optimizer state, log-dets and the
   *     loss stay float32, and float16 adds dynamic loss scaling
   * @param objective {@code maximum_likelihood} (default: fit data) or {@code reverse_kl} (fit the
   *     {@code target} block's density by sampling the flow)
   */
  public record TrainingConfig(
      String device,
      Integer batchSize,
      Long steps,
      Integer epochs,
      OptimizerConfig optimizer,
      ScheduleConfig schedule,
      Double gradClip,
      Long checkpointEvery,
      Long validateEvery,
      Long logEvery,
      String precision,
      String objective) {
    /** The precisions {@code training.precision} accepts. */
    public static final List<String> PRECISIONS = List.of("float32", "bfloat16", "float16");

    /** Values accepted for {@code objective}. */
    public static final List<String> OBJECTIVES = List.of("maximum_likelihood", "reverse_kl");

    public TrainingConfig {
      device = device == null ? "auto" : device;
      if (!device.matches("auto|cpu|gpu(:\\d+)?")) {
        throw new InvalidValueException(
            "device", "must be auto, cpu, gpu or gpu:N, got '" + device + "'");
      }
      batchSize = Require.atLeast("batch_size", batchSize == null ? 256 : batchSize, 1);
      if (steps != null && epochs != null) {
        throw new InvalidValueException("steps", "give steps or epochs, not both");
      }
      if (steps == null && epochs == null) {
        steps = 1000L;
      }
      if (steps != null) {
        Require.atLeast("steps", steps, 1L);
      }
      if (epochs != null) {
        Require.atLeast("epochs", epochs, 1);
      }
      optimizer = optimizer == null ? new OptimizerConfig(null, null, null, null, null) : optimizer;
      schedule = schedule == null ? new ScheduleConfig(null, null, null) : schedule;
      gradClip = gradClip == null ? 10.0 : Require.nonNegative("grad_clip", gradClip);
      checkpointEvery =
          checkpointEvery == null ? 500L : Require.atLeast("checkpoint_every", checkpointEvery, 1L);
      if (validateEvery != null) {
        Require.atLeast("validate_every", validateEvery, 1L);
      }
      logEvery = logEvery == null ? 50L : Require.atLeast("log_every", logEvery, 1L);
      precision = precision == null ? "float32" : Require.oneOf("precision", precision, PRECISIONS);
      objective =
          Require.oneOf(
              "objective", objective == null ? "maximum_likelihood" : objective, OBJECTIVES);
    }

    /** A training block computing in float32 (the default precision). */
    public TrainingConfig(
        String device,
        Integer batchSize,
        Long steps,
        Integer epochs,
        OptimizerConfig optimizer,
        ScheduleConfig schedule,
        Double gradClip,
        Long checkpointEvery,
        Long validateEvery,
        Long logEvery) {
      this(
          device,
          batchSize,
          steps,
          epochs,
          optimizer,
          schedule,
          gradClip,
          checkpointEvery,
          validateEvery,
          logEvery,
          null,
          null);
    }

    static TrainingConfig defaults() {
      return new TrainingConfig(
          null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** Whether the objective is {@code reverse_kl} (a target block instead of data). */
    public boolean reverseKl() {
      return objective.equals("reverse_kl");
    }
  }

  /** {@code training.optimizer}: Adam with decoupled weight decay (AdamW when weight_decay > 0). */
  public record OptimizerConfig(
      String name, Double lr, Double weightDecay, List<Double> betas, Double eps) {
    public OptimizerConfig {
      name = name == null ? "adam" : Require.oneOf("name", name, List.of("adam"));
      lr = lr == null ? 1e-3 : Require.positive("lr", lr);
      weightDecay = weightDecay == null ? 0.0 : Require.nonNegative("weight_decay", weightDecay);
      betas = betas == null ? List.of(0.9, 0.999) : List.copyOf(betas);
      if (betas.size() != 2) {
        throw new InvalidValueException("betas", "must hold two numbers, got " + betas.size());
      }
      for (double b : betas) {
        Require.between("betas", b, 0.0, 0.999999);
      }
      eps = eps == null ? 1e-8 : Require.positive("eps", eps);
    }
  }

  /**
   * {@code training.schedule}: linear warmup, then cosine decay to {@code min_lr_ratio}·lr (or
   * constant).
   */
  public record ScheduleConfig(String kind, Long warmupSteps, Double minLrRatio) {
    public ScheduleConfig {
      kind = kind == null ? "cosine" : Require.oneOf("kind", kind, List.of("cosine", "constant"));
      warmupSteps = warmupSteps == null ? 0L : Require.atLeast("warmup_steps", warmupSteps, 0L);
      minLrRatio = minLrRatio == null ? 0.0 : Require.between("min_lr_ratio", minLrRatio, 0.0, 1.0);
    }
  }

  /**
   * {@code evaluation}: samples, plots, and for images the sample grids.
   *
   * @param samples samples drawn for vector data (saved to samples.npz); images draw the grids
   * @param plots whether to draw PNGs
   * @param gridSize points per axis of the 2D density plot
   * @param temperatures images: one sample grid per temperature (default [0.0, 0.7, 1.0])
   * @param sampleGrid images: a grid is sample_grid × sample_grid images (default 8)
   */
  public record EvaluationConfig(
      Integer samples,
      Boolean plots,
      Integer gridSize,
      List<Double> temperatures,
      Integer sampleGrid) {
    public EvaluationConfig {
      samples = samples == null ? 2000 : Require.atLeast("samples", samples, 0);
      plots = plots == null ? Boolean.TRUE : plots;
      gridSize = gridSize == null ? 200 : Require.atLeast("grid_size", gridSize, 10);
      temperatures = temperatures == null ? List.of(0.0, 0.7, 1.0) : List.copyOf(temperatures);
      for (double t : temperatures) {
        Require.nonNegative("temperatures", t);
      }
      sampleGrid = sampleGrid == null ? 8 : sampleGrid;
      if (sampleGrid < 1 || sampleGrid > 32) {
        throw new InvalidValueException("sample_grid", "must be in 1..32, got " + sampleGrid);
      }
    }

    static EvaluationConfig defaults() {
      return new EvaluationConfig(null, null, null, null, null);
    }
  }

  /**
   * {@code tracking}: {@code uri} null (the {@code --runs-dir} store, or {@code
   * MLFLOW_TRACKING_URI} when set), a folder (absolute, relative, or {@code file:}) for a local run
   * store there, or an {@code http(s)://} MLflow server; see {@link TrackingUri} for the rule.
   * {@code experiment} defaults to the experiment's name.
   */
  public record TrackingConfig(String uri, String experiment) {
    public TrackingConfig {
      if (uri != null && uri.isBlank()) {
        uri = null;
      }
      if (uri != null) {
        TrackingUri.parse(uri);
      }
      if (experiment != null && experiment.isBlank()) {
        throw new InvalidValueException("experiment", "must not be blank");
      }
    }

    /** {@code uri} under the rule of {@link TrackingUri}, or null when none is given. */
    public TrackingUri location() {
      return uri == null ? null : TrackingUri.parse(uri);
    }
  }

  /**
   * {@code export}: when present, {@code flowlab run} ends by exporting the best checkpoint to ONNX
   * (with the parity check), publishing it as the next version in the model registry and recording
   * it in the run (artifacts under {@code models/}; with an MLflow server, a version in MLflow's
   * model registry). An export that misses its parity tolerance makes the command exit with 1.
   *
   * @param name the registry name (default: the experiment's name)
   * @param modelsDir the registry folder (default {@code $FLOWLAB_MODELS}, else {@code models/})
   */
  public record ExportConfig(String name, String modelsDir) {
    public ExportConfig {
      if (name != null && !name.matches("[A-Za-z0-9_.-]+")) {
        throw new InvalidValueException("name", "may hold only letters, digits, '_', '.', '-'");
      }
      if (modelsDir != null && modelsDir.isBlank()) {
        throw new InvalidValueException("models_dir", "must not be blank");
      }
    }
  }
}
