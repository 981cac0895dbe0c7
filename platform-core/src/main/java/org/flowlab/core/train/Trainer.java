package org.flowlab.core.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.flowlab.api.device.DeviceCheck;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.nn.Parameter;
import org.flowlab.api.random.Seeds;
import org.flowlab.core.config.ConfigException;
import org.flowlab.core.config.ExperimentConfig.TrainingConfig;
import org.flowlab.core.data.DataSplits;
import org.flowlab.core.data.Points;
import org.flowlab.core.data.Quantization;
import org.flowlab.core.io.AtomicFiles;

/**
 * Training of a flow, by default maximum likelihood: minibatches of {@code −mean log p(x)} with
 * AdamW, warmup + cosine learning rate, global gradient-norm clipping, validation NLL every epoch
 * (or {@code validate_every} steps), {@code last.ckpt} every {@code checkpoint_every} steps and
 * {@code best.ckpt} on every validation improvement. With an {@link Objective} (reverse KL, a VAE's
 * ELBO) the loss and the validation figure are that objective's.
 *
 * <p>The loop is deterministic: the batch of step {@code s} depends only on (seed, s), so a run
 * resumed from {@code last.ckpt} replays exactly what an uninterrupted run would have done (bitwise
 * on CPU). A non-finite loss or gradient stops training with a diagnosis before anything is
 * written. The host side of the next batches is prepared on a background thread ({@code
 * BatchPrefetch}) while the device computes; every array is created under the run's manager.
 *
 * <p>With {@code training.precision: float16} the loss is scaled dynamically ({@link LossScaler}):
 * a step with non-finite gradients is skipped instead of stopping the run, and the scaler's state
 * goes into every checkpoint.
 */
public final class Trainer {
  /** Hooks for progress and tracking. */
  public interface Listener {
    /** Called once, before the first step runs; {@code startStep} &gt; 0 when resuming. */
    default void onStart(long startStep, long totalSteps) {}

    /**
     * Called after every step with its loss (−mean log p in nats, plus any regularisation penalty),
     * learning rate, pre-clip gradient norm and the figures the flow's bijectors reported ({@code
     * Flow#figures()}: solver evaluations, penalties).
     */
    default void onStep(
        long step, double loss, double lr, double gradNorm, Map<String, Double> figures) {}

    /** Called after each validation. */
    default void onValidation(long step, double valNll, boolean improved) {}

    /** Called after a checkpoint was written. */
    default void onCheckpoint(long step, Path file) {}

    /**
     * float16 runs only: called after every step, before {@link #onStep}, with the loss scale the
     * next step uses and the number of steps skipped so far for non-finite gradients.
     */
    default void onLossScale(long step, double scale, long skippedSteps) {}
  }

  /**
   * What training produced.
   *
   * @param steps steps completed
   * @param bestValNll best validation NLL (nats)
   * @param bestStep the step it was reached at
   * @param lastCheckpoint the final checkpoint
   * @param bestCheckpoint the checkpoint with the best validation NLL
   */
  public record Result(
      long steps, double bestValNll, long bestStep, Path lastCheckpoint, Path bestCheckpoint) {}

  private final TrainingConfig config;
  private final long seed;
  private final Flow flow;
  private final DataSplits data;
  private final Objective objective; // null: maximum likelihood on data
  private final NDManager manager;
  private final Path checkpointDir;
  private final String configHash;
  private final String configYaml;
  private final List<Parameter> trainable;
  private final int batchSize;
  private final long batchesPerEpoch;
  private final long totalSteps;
  private final long validateEvery;
  private final BatchPrefetch prefetch = new BatchPrefetch(this::hostBatch);
  private final LossScaler scaler;

  /**
   * @param config the training block
   * @param seed the run seed
   * @param flow the flow to train (its parameters live on {@code manager}'s device)
   * @param data the dataset
   * @param manager the run's manager
   * @param checkpointDir where {@code last.ckpt} and {@code best.ckpt} go
   * @param configHash the resolved config's hash, stored in checkpoints
   * @param configYaml the resolved config, stored in checkpoints
   */
  public Trainer(
      TrainingConfig config,
      long seed,
      Flow flow,
      DataSplits data,
      NDManager manager,
      Path checkpointDir,
      String configHash,
      String configYaml) {
    this(config, seed, flow, data, null, manager, checkpointDir, configHash, configYaml);
  }

  /**
   * A trainer of an {@link Objective}, e.g. {@code training.objective: reverse_kl}: each step's
   * loss is {@code objective}'s, validation (every {@code validate_every} steps, default {@code
   * checkpoint_every}) its validation figure; {@code flow} owns every parameter trained.
   */
  public Trainer(
      TrainingConfig config,
      long seed,
      Flow flow,
      Objective objective,
      NDManager manager,
      Path checkpointDir,
      String configHash,
      String configYaml) {
    this(config, seed, flow, null, objective, manager, checkpointDir, configHash, configYaml);
  }

  private Trainer(
      TrainingConfig config,
      long seed,
      Flow flow,
      DataSplits data,
      Objective objective,
      NDManager manager,
      Path checkpointDir,
      String configHash,
      String configYaml) {
    this.objective = objective;
    this.config = config;
    this.seed = seed;
    this.flow = flow;
    this.data = data;
    this.manager = manager;
    this.checkpointDir = checkpointDir;
    this.configHash = configHash;
    this.configYaml = configYaml;
    this.trainable = flow.parameters().stream().filter(Parameter::trainable).toList();
    int trainCount = data == null ? objective.epochSize() : data.train().count();
    this.batchSize =
        Math.min(data == null ? objective.batchSize() : config.batchSize(), trainCount);
    this.batchesPerEpoch = Math.max(1, trainCount / batchSize);
    this.totalSteps = config.steps() != null ? config.steps() : config.epochs() * batchesPerEpoch;
    long defaultValidation = data == null ? config.checkpointEvery() : batchesPerEpoch;
    this.validateEvery =
        config.validateEvery() != null ? config.validateEvery() : defaultValidation;
    this.scaler = "float16".equals(config.precision()) ? new LossScaler() : null;
  }

  /**
   * Whether this JVM allocates page-aligned direct buffers. Tensors built from Java arrays wrap
   * such buffers and vectorised kernels reduce in an alignment-dependent order, so without it two
   * identical CPU runs can differ in the last bit. The launcher and the build set {@code
   * -Dsun.nio.PageAlignDirectMemory=true}.
   */
  public static boolean bitwiseReproducible() {
    // The JDK reads this property at startup and then removes it, so look at the JVM's own
    // arguments.
    return java.lang.management.ManagementFactory.getRuntimeMXBean()
        .getInputArguments()
        .contains("-Dsun.nio.PageAlignDirectMemory=true");
  }

  /** Steps this training runs in all. */
  public long totalSteps() {
    return totalSteps;
  }

  /** Path of the last checkpoint. */
  public Path lastCheckpoint() {
    return checkpointDir.resolve("last.ckpt");
  }

  /** Path of the last checkpoint but one, kept until a new last one is whole. */
  public Path previousCheckpoint() {
    return checkpointDir.resolve("previous.ckpt");
  }

  /** Path of the best checkpoint. */
  public Path bestCheckpoint() {
    return checkpointDir.resolve("best.ckpt");
  }

  /**
   * Trains to the end, starting from {@code last.ckpt} when {@code resume} is set and it exists.
   *
   * @throws TrainingDivergedException when the loss or a gradient is not finite
   * @throws TrainingStoppedException when a signal asked to stop ({@link StopRequest}): raised at
   *     the next step boundary, after writing a whole {@code last.ckpt}
   */
  public Result train(Listener listener, boolean resume) throws IOException {
    Files.createDirectories(checkpointDir);
    var optimizer = config.optimizer();
    AdamW adam =
        new AdamW(
            trainable,
            manager,
            optimizer.betas().get(0),
            optimizer.betas().get(1),
            optimizer.eps(),
            optimizer.weightDecay());
    var schedule = new LearningRateSchedule(optimizer.lr(), config.schedule(), totalSteps);
    long step = 0;
    double bestVal = Double.NaN;
    long bestStep = -1;
    AtomicFiles.deleteStaleTemporaries(checkpointDir);
    if (resume && (Files.exists(lastCheckpoint()) || Files.exists(previousCheckpoint()))) {
      try (NDManager loading = manager.newSubManager()) {
        Checkpoint c =
            Checkpoint.readNewestWhole(
                List.of(lastCheckpoint(), previousCheckpoint(), bestCheckpoint()),
                loading,
                warning -> System.err.println("warning: " + warning));
        if (!c.configHash().equals(configHash)) {
          throw new ConfigException(
              "--resume",
              "",
              "the run's last checkpoint was written with config "
                  + c.configHash().substring(0, Math.min(12, c.configHash().length()))
                  + ", this config is "
                  + configHash.substring(0, Math.min(12, configHash.length()))
                  + "; resume with the run's own config (flowlab run --resume RUN, no YAML)");
        }
        restoreParameters(c.params());
        adam.load(c.optimizer());
        if (scaler != null) {
          scaler.load(c.optimizer());
        }
        step = c.step();
        bestVal = c.bestValNll();
        bestStep = c.bestStep();
      }
    } else if (objective == null) { // data-dependent initialisation needs data
      try (NDManager init = manager.newSubManager()) {
        NDList rows = rows(batch(init, 0), data.contextDim());
        flow.initialize(rows.get(0), rows.size() > 1 ? rows.get(1) : null);
      }
    }
    listener.onStart(step, totalSteps);
    while (step < totalSteps) {
      if (StopRequest.pending() != null) { // a signal: stop between steps, with a whole checkpoint
        save(lastCheckpoint(), adam, step, bestVal, bestStep);
        listener.onCheckpoint(step, lastCheckpoint());
        StopRequest.throwIfRequested(step, lastCheckpoint());
      }
      double lr = schedule.at(step);
      Map<String, Double> figures = new LinkedHashMap<>();
      double[] lossAndNorm = trainStep(adam, step, lr, figures);
      if (scaler != null) {
        listener.onLossScale(step, scaler.scale(), scaler.skippedSteps());
      }
      listener.onStep(step, lossAndNorm[0], lr, lossAndNorm[1], figures);
      step++;
      boolean validate = step % validateEvery == 0 || step == totalSteps;
      if (validate) {
        double val =
            objective == null ? nll(data.val(), "val") : objective.validationLoss(flow, manager);
        boolean improved = Double.isNaN(bestVal) || val < bestVal;
        if (improved) {
          bestVal = val;
          bestStep = step;
          save(bestCheckpoint(), adam, step, bestVal, bestStep);
          listener.onCheckpoint(step, bestCheckpoint());
        }
        listener.onValidation(step, val, improved);
      }
      if (step % config.checkpointEvery() == 0 || step == totalSteps) {
        if (Files.exists(lastCheckpoint())) {
          // Keep the last one until the new one is whole: a damaged last.ckpt falls back to it.
          Files.move(
              lastCheckpoint(),
              previousCheckpoint(),
              StandardCopyOption.REPLACE_EXISTING,
              StandardCopyOption.ATOMIC_MOVE);
        }
        save(lastCheckpoint(), adam, step, bestVal, bestStep);
        listener.onCheckpoint(step, lastCheckpoint());
      }
    }
    return new Result(step, bestVal, bestStep, lastCheckpoint(), bestCheckpoint());
  }

  /**
   * Mean negative log-likelihood (nats) of a split under the current parameters, exact where
   * possible; pixel data is dequantised with the split's fixed noise ({@link #evaluationNoise}).
   *
   * @param splitName {@code val} or {@code test}: which fixed noise stream
   */
  public double nll(Points split, String splitName) {
    return meanNll(flow, data, split, evaluationNoise(seed, splitName), manager);
  }

  /**
   * The fixed dequantisation noise of an evaluation split, {@code Seeds.stream(seed,
   * "dequantize/<split>")}: every evaluation of a split sees the same points, so figures are
   * repeatable and comparable across steps.
   */
  public static SplittableRandom evaluationNoise(long seed, String splitName) {
    return Seeds.stream(seed, "dequantize/" + splitName);
  }

  /**
   * Points per chunk when evaluating without gradients: at most 32,768 values (41 Fashion-MNIST
   * images, 8,192 2D points). An estimated log-det keeps every block's JVP terms until the chunk
   * ends; at 167 images a residual image model's chunk held 13 GB.
   */
  public static int evaluationChunk(int dim) {
    return Math.max(1, Math.min(8192, 32_768 / dim));
  }

  /**
   * Bytes one value of an evaluation chunk may hold at worst (the residual image chunk above: 13 GB
   * for 167 × 784 values).
   */
  static final long WORST_BYTES_PER_VALUE = 100_000;

  /**
   * Points per evaluation chunk on {@code device}: the CPU rule ({@link #evaluationChunk(int)}); on
   * a GPU, as many points as half its free memory holds at {@link #WORST_BYTES_PER_VALUE} (at least
   * the CPU rule's, at most 65,536 points), e.g. 951 Fashion-MNIST images with 139 GiB free (41 on
   * the CPU).
   */
  public static int evaluationChunk(int dim, ai.djl.Device device) {
    return evaluationChunk(dim, Devices.freeMemory(device));
  }

  static int evaluationChunk(int dim, java.util.OptionalLong freeBytes) {
    int cpu = evaluationChunk(dim);
    if (freeBytes.isEmpty()) {
      return cpu;
    }
    long points = freeBytes.getAsLong() / 2 / WORST_BYTES_PER_VALUE / dim;
    return (int) Math.max(cpu, Math.min(65_536, points));
  }

  /** Mean −log p(x) in nats over continuous {@code points}, in chunks without gradients. */
  public static double meanNll(Flow flow, float[] points, Shape eventShape, NDManager manager) {
    int dim = Math.toIntExact(eventShape.size());
    return meanNll(flow, eventShape, 0, Points.of(points, dim), null, null, manager);
  }

  /**
   * A batch of rows split into the points and, for conditional data ({@code contextDim > 0}), their
   * contexts: {@code (x)} or {@code (x, c)}, x shaped {@code (n, d)} and c {@code (n, contextDim)}.
   * Unconditional rows are returned as they are.
   */
  public static NDList rows(NDArray rows, int contextDim) {
    if (contextDim == 0) {
      return new NDList(rows);
    }
    long d = rows.getShape().get(1) - contextDim;
    return rows.split(new long[] {d}, 1);
  }

  /**
   * Mean −log p(x) in nats over a split of {@code data}, in chunks without gradients; pixel data is
   * dequantised with uniforms drawn in order from {@code noise}.
   */
  public static double meanNll(
      Flow flow, DataSplits data, Points split, SplittableRandom noise, NDManager manager) {
    return meanNll(
        flow, data.eventShape(), data.contextDim(), split, data.quantization(), noise, manager);
  }

  private static double meanNll(
      Flow flow,
      Shape eventShape,
      int contextDim,
      Points points,
      Quantization quantization,
      SplittableRandom noise,
      NDManager manager) {
    // Families that can only estimate their log-det draw probes from the engine generator: a fixed
    // seed makes every evaluation of the same parameters give the same figure.
    Engine.getInstance().setRandomSeed(EVALUATION_SEED);
    int dim = Math.toIntExact(eventShape.size()) + contextDim;
    Shape rowShape = contextDim == 0 ? eventShape : new Shape(dim);
    int n = points.count();
    int chunk = evaluationChunk(dim, manager.getDevice());
    float[] buffer = new float[Math.min(chunk, Math.max(n, 1)) * dim];
    double sum = 0;
    for (int start = 0; start < n; start += chunk) {
      int count = Math.min(chunk, n - start);
      try (NDScope scope = new NDScope();
          NDManager sub = manager.newSubManager()) {
        scope.suppressNotUsedWarning();
        float[] slice = count * dim == buffer.length ? buffer : new float[count * dim];
        points.copyRange(start, count, slice, quantization, noise);
        NDArray x = sub.create(slice, new Shape(count).addAll(rowShape));
        DeviceCheck.requireOnRun("evaluation batch at point " + start, x, manager);
        NDList parts = rows(x, contextDim);
        sum -=
            flow.logProb(parts.get(0), parts.size() > 1 ? parts.get(1) : null, LogDetMode.EXACT)
                .value()
                .sum()
                .toType(ai.djl.ndarray.types.DataType.FLOAT64, false)
                .getDouble();
      }
    }
    return sum / n;
  }

  /**
   * Copies checkpointed values into the flow's parameters (and buffers) by name.
   *
   * @throws CheckpointMismatchException when a parameter is missing or has another shape
   */
  public static void restore(Flow flow, NDList params) {
    for (Parameter p : flow.parameters()) {
      NDArray saved = params.get(p.name());
      if (saved == null) {
        throw new CheckpointMismatchException(
            "the checkpoint does not fit this model: it lacks parameter " + p.name() + WHY);
      }
      if (!saved.getShape().equals(p.value().getShape())) {
        throw new CheckpointMismatchException(
            String.format(
                "the checkpoint does not fit this model: %s is %s in the checkpoint, %s in the"
                    + " model%s",
                p.name(), saved.getShape(), p.value().getShape(), WHY));
      }
      p.assign(saved);
    }
  }

  private static final String WHY =
      " (written by another version of the family's plugin, or for other model params?)";

  private void restoreParameters(NDList params) {
    restore(flow, params);
  }

  private static final int EVALUATION_SEED = 0x5eed;

  private static final java.util.concurrent.locks.ReentrantLock GRADIENT_LOCK =
      new java.util.concurrent.locks.ReentrantLock();

  private double[] trainStep(AdamW adam, long step, double lr, Map<String, Double> figures) {
    // NDScope closes every temporary the step creates, whichever manager an op attached it to.
    try (NDScope scope = new NDScope();
        NDManager sub = manager.newSubManager()) {
      scope.suppressNotUsedWarning();
      NDArray x =
          objective == null ? sub.create(prefetch.take(step, totalSteps), batchShape()) : null;
      requireOnRunDevice(x, step);
      double loss;
      // DJL's PyTorch engine allows one gradient collector per JVM at a time: trainers running in
      // parallel (sweep workers) take turns for the forward and backward pass.
      GRADIENT_LOCK.lock();
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        // Estimators (Hutchinson probes, Russian roulette) draw from the engine's generator: seeded
        // from (seed, step), a step's draws do not depend on what ran before it, so resuming and
        // reproducing give the same numbers.
        Engine.getInstance().setRandomSeed(Seeds.stream(seed, "engine", step).nextInt());
        NDArray lossArray = objective == null ? dataLoss(x) : objective.loss(flow, sub, step);
        figures.putAll(flow.figures());
        NDArray penalty = flow.penalty();
        if (penalty != null) {
          figures.put("penalty", (double) penalty.getFloat());
          lossArray = lossArray.add(penalty);
        }
        loss = lossArray.getFloat();
        if (!Double.isFinite(loss)) {
          throw new TrainingDivergedException(
              step,
              "loss is "
                  + loss
                  + " (lr "
                  + lr
                  + ")"
                  + nonFiniteParameter()
                  + (scaler == null
                      ? ""
                      : "; with training.precision=float16 a layer's output may have passed"
                          + " float16's largest value, 65504: try bfloat16"));
        }
        collector.backward(scaler == null ? lossArray : scaler.scaled(lossArray));
      } finally {
        GRADIENT_LOCK.unlock();
      }
      double norm = adam.gradientNorm();
      double unscale = 1.0;
      if (scaler != null) {
        // Gradients stay scaled: the fused update divides them by the scale (its rescale factor).
        unscale = 1.0 / scaler.scale();
        norm *= unscale;
        if (!scaler.update(norm)) {
          adam.zeroGradients(); // an inf or NaN gradient: skip the step, the scale halved
          return new double[] {loss, norm};
        }
      }
      if (!Double.isFinite(norm)) {
        throw new TrainingDivergedException(
            step,
            "gradient norm is "
                + norm
                + " with loss "
                + loss
                + nonFiniteGradient(adam.parameterGradients()));
      }
      double clip = config.gradClip();
      double clipped = clip > 0 && norm > clip ? clip / (norm + 1e-6) : 1.0;
      adam.step(lr, scaler == null ? clipped : clipped * unscale);
      adam.zeroGradients();
      return new double[] {loss, norm};
    }
  }

  /** −mean log p(x) of a training batch; rows of conditional data carry their contexts. */
  private NDArray dataLoss(NDArray batch) {
    if (!data.conditional()) {
      return flow.logProb(batch, LogDetMode.ESTIMATE).value().mean().neg();
    }
    NDList parts = rows(batch, data.contextDim());
    return flow.logProb(parts.get(0), parts.get(1), LogDetMode.ESTIMATE).value().mean().neg();
  }

  /**
   * With {@code -Dflowlab.device.check=true}: every parameter and the step's batch are on the run's
   * device, under the run's manager (checked before each step, so after initialisation, a restore
   * and every optimizer update).
   */
  private void requireOnRunDevice(NDArray batch, long step) {
    if (!DeviceCheck.enabled()) {
      return;
    }
    for (Parameter p : flow.parameters()) {
      DeviceCheck.verifyOnRun("parameter " + p.name(), p.value(), manager);
    }
    if (batch != null) {
      DeviceCheck.verifyOnRun("training batch of step " + step, batch, manager);
    }
  }

  private String nonFiniteParameter() {
    for (Parameter p : flow.parameters()) {
      if (!isFinite(p.value())) {
        return "; parameter " + p.name() + " holds non-finite values";
      }
    }
    return "; every parameter is finite (the data or the log-det overflowed)";
  }

  private String nonFiniteGradient(List<NDArray> grads) {
    for (int i = 0; i < grads.size(); i++) {
      if (!isFinite(grads.get(i))) {
        return "; first non-finite gradient: " + trainable.get(i).name();
      }
    }
    return "";
  }

  private static boolean isFinite(NDArray a) {
    return !a.isNaN().any().getBoolean() && !a.isInfinite().any().getBoolean();
  }

  /**
   * The minibatch of 0-based step {@code step}: a slice of the epoch's seeded permutation. Pixel
   * data is dequantised with fresh noise per step from {@code Seeds.stream(seed, "dequantize",
   * step)}, so a step's batch depends only on (seed, step).
   */
  NDArray batch(NDManager target, long step) {
    return target.create(hostBatch(step), batchShape());
  }

  private Shape batchShape() {
    return data.conditional()
        ? new Shape(batchSize, data.rowDim())
        : new Shape(batchSize).addAll(data.eventShape());
  }

  /** The values of {@link #batch}, row-major: a pure function of (seed, step). */
  float[] hostBatch(long step) {
    long epoch = step / batchesPerEpoch;
    int index = Math.toIntExact(step % batchesPerEpoch);
    int[] order = permutation(epoch);
    float[] values = new float[batchSize * data.rowDim()];
    data.train()
        .copyRows(
            order,
            index * batchSize,
            batchSize,
            values,
            data.quantization(),
            data.quantized() ? Seeds.stream(seed, "dequantize", step) : null);
    return values;
  }

  private int[] cachedOrder;
  private long cachedEpoch = -1;

  // Synchronized: batches are prepared on the prefetch thread, the initialisation batch on the
  // compute thread.
  private synchronized int[] permutation(long epoch) {
    if (epoch != cachedEpoch) {
      cachedOrder = permutation(data.train().count(), seed, epoch);
      cachedEpoch = epoch;
    }
    return cachedOrder;
  }

  /**
   * The order of {@code n} training points in {@code epoch}: a Fisher–Yates shuffle from {@code
   * Seeds.stream(seed, "shuffle", epoch)}.
   */
  public static int[] permutation(int n, long seed, long epoch) {
    return Seeds.permutation(Seeds.stream(seed, "shuffle", epoch), n);
  }

  private void save(Path file, AdamW adam, long step, double bestVal, long bestStep)
      throws IOException {
    try (NDManager sub = manager.newSubManager()) {
      NDList params = new NDList();
      for (Parameter p : flow.parameters()) {
        NDArray copy = p.value().duplicate();
        copy.attach(sub);
        copy.setName(p.name());
        params.add(copy);
      }
      NDList state = adam.state(sub);
      if (scaler != null) {
        state.addAll(scaler.state(sub));
      }
      for (NDArray a : state) {
        a.attach(sub);
      }
      new Checkpoint(step, bestVal, bestStep, configHash, configYaml, params, state).write(file);
    }
  }
}
