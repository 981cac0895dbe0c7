package org.flowlab.registry;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.flowlab.api.onnx.OnnxModels;
import org.flowlab.api.onnx.runtime.OnnxSession;

/**
 * An exported flow served by ONNX Runtime: {@link #score} runs {@code log_prob}, {@link #sample}
 * runs {@code sample}. Each model's session opens on first use. Needs only the ONNX files and the
 * card — no training code. A conditional flow ({@link #contextDim()} &gt; 0) takes a context row
 * per point or sample. A sampling-only flow has its {@code sampler} instead (see {@link
 * OnnxModels}): {@link #decode} and {@link #sampleWithLogQ} run it, {@link #score} refuses. A VAE
 * has its {@code generator}, with the inputs of {@code sample}: {@link #decode} runs it, {@link
 * #score} refuses.
 */
public final class RegisteredFlow implements AutoCloseable {
  private final byte[] logProbModel;
  private final byte[] sampleModel;
  private final byte[] samplerModel;
  private final long[] eventShape;
  private final long[] latentShape;
  private final String noise;
  private final OnnxSession.Provider wanted;
  private final int contextDim;
  private int intraOpThreads;
  private OnnxSession logProb;
  private OnnxSession sample;
  private OnnxSession sampler;

  /**
   * @param models the two serialised models and their noise
   * @param eventShape the shape of one data point
   * @param latentShape the shape of one latent point
   * @param wanted the execution provider to ask for
   */
  public RegisteredFlow(
      OnnxModels models, long[] eventShape, long[] latentShape, OnnxSession.Provider wanted) {
    this(models, eventShape, latentShape, wanted, 0);
  }

  /** A conditional flow's models ({@code contextDim} &gt; 0: both take a {@code context} input). */
  public RegisteredFlow(
      OnnxModels models,
      long[] eventShape,
      long[] latentShape,
      OnnxSession.Provider wanted,
      int contextDim) {
    this.contextDim = contextDim;
    this.logProbModel = models.logProb();
    this.sampleModel = models.sample();
    this.samplerModel = models.sampler();
    this.noise = models.noise();
    this.eventShape = eventShape.clone();
    this.latentShape = latentShape.clone();
    this.wanted = wanted;
  }

  /** A stored version, read from its folder. */
  public static RegisteredFlow open(ModelStore.Registered model, OnnxSession.Provider wanted)
      throws IOException {
    ModelCard card = model.card();
    byte[] logProb = read(card, ModelCard.LOG_PROB, model.logProbFile());
    byte[] sample = read(card, ModelCard.SAMPLE, model.sampleFile());
    if (sample == null) {
      sample = read(card, ModelCard.GENERATOR, model.generatorFile());
    }
    OnnxModels models =
        new OnnxModels(
            logProb,
            sample,
            read(card, ModelCard.SAMPLER, model.samplerFile()),
            card.noise(),
            card.opset());
    return new RegisteredFlow(
        models, card.eventShape(), card.latentShape(), wanted, card.contextDim());
  }

  /** The bytes of {@code graph}'s file when the card lists the graph; null when it does not. */
  private static byte[] read(ModelCard card, String graph, java.nio.file.Path file)
      throws IOException {
    if (!card.has(graph)) {
      return null;
    }
    if (!java.nio.file.Files.isRegularFile(file)) {
      throw new IOException(file + ": missing (the registered version is incomplete)");
    }
    return java.nio.file.Files.readAllBytes(file);
  }

  /**
   * Whether the flow has a {@code log_prob} model ({@link #score}); a sampling-only one has not.
   */
  public boolean scores() {
    return logProbModel != null;
  }

  /**
   * Sets ONNX Runtime's intra-op threads for the sessions this flow opens from now on (0, the
   * default: one per core); returns this flow.
   */
  public RegisteredFlow intraOpThreads(int threads) {
    if (threads < 0) {
      throw new IllegalArgumentException("threads must be ≥ 0, got " + threads);
    }
    this.intraOpThreads = threads;
    return this;
  }

  /** Per-sample log p(x) for {@code n} points given row-major. */
  public float[] score(float[] x, int n) {
    return score(x, n, null);
  }

  /**
   * Per-sample log p(x | c) for {@code n} points and their contexts ({@code n × contextDim},
   * row-major); {@code context} null for an unconditional flow.
   */
  public float[] score(float[] x, int n, float[] context) {
    if (!scores()) {
      throw new UnsupportedOperationException(
          "no log_prob model: the flow offers the sampling direction only (no density of given"
              + " data); its sampler gives samples with their log q");
    }
    requireSize(x, n, eventShape, "data");
    if (logProb == null) {
      logProb = OnnxSession.open(logProbModel, wanted, intraOpThreads);
    }
    Map<String, OnnxSession.Input> inputs = new HashMap<>();
    inputs.put(OnnxModels.X, new OnnxSession.Input(x, batched(n, eventShape)));
    putContext(inputs, context, n);
    return logProb.run(inputs, OnnxModels.LOG_PROB);
  }

  /** Decodes {@code n} standard latents at {@code temperature}; row-major, event shape. */
  public float[] decode(float[] standardZ, int n, double temperature) {
    return decode(standardZ, n, temperature, null);
  }

  /**
   * Decodes {@code n} standard latents at {@code temperature} given their contexts ({@code n ×
   * contextDim}); {@code context} null for an unconditional flow.
   */
  public float[] decode(float[] standardZ, int n, double temperature, float[] context) {
    if (samplerModel != null) {
      return sampleWithLogQ(standardZ, n, temperature, context).x();
    }
    requireSize(standardZ, n, latentShape, "latent");
    if (sample == null) {
      sample = OnnxSession.open(sampleModel, wanted, intraOpThreads);
    }
    Map<String, OnnxSession.Input> inputs = new HashMap<>();
    inputs.put(OnnxModels.Z, new OnnxSession.Input(standardZ, batched(n, latentShape)));
    inputs.put(
        OnnxModels.TEMPERATURE,
        new OnnxSession.Input(new float[] {(float) temperature}, new long[0]));
    putContext(inputs, context, n);
    return sample.run(inputs, OnnxModels.X);
  }

  /**
   * Samples and their log-density under the flow.
   *
   * @param x the samples, row-major, event shape
   * @param logQ per-sample log q(x)
   */
  public record Draws(float[] x, float[] logQ) {}

  /**
   * Decodes {@code n} standard latents at {@code temperature} given their contexts (null for an
   * unconditional flow) and gives each sample's log-density under the flow: a sampling-only flow's
   * {@code sampler} computes both in one pass (from the latents scaled by the temperature); a flow
   * with the density direction decodes, then scores the samples with {@code log_prob}.
   */
  public Draws sampleWithLogQ(float[] standardZ, int n, double temperature, float[] context) {
    if (samplerModel == null) {
      float[] x = decode(standardZ, n, temperature, context);
      return new Draws(x, score(x, n, context));
    }
    requireSize(standardZ, n, latentShape, "latent");
    if (sampler == null) {
      sampler = OnnxSession.open(samplerModel, wanted, intraOpThreads);
    }
    float[] z = standardZ;
    if (temperature != 1) {
      z = new float[standardZ.length];
      for (int i = 0; i < z.length; i++) {
        z[i] = (float) (standardZ[i] * temperature);
      }
    }
    Map<String, OnnxSession.Input> inputs = new HashMap<>();
    inputs.put(OnnxModels.Z, new OnnxSession.Input(z, batched(n, latentShape)));
    putContext(inputs, context, n);
    java.util.List<float[]> out =
        sampler.run(inputs, java.util.List.of(OnnxModels.X, OnnxModels.LOG_Q));
    return new Draws(out.get(0), out.get(1));
  }

  /** Features of the context each point or sample takes; 0 for an unconditional flow. */
  public int contextDim() {
    return contextDim;
  }

  private void putContext(Map<String, OnnxSession.Input> inputs, float[] context, int n) {
    if (contextDim == 0) {
      if (context != null) {
        throw new IllegalArgumentException("context: this model is unconditional, it takes none");
      }
      return;
    }
    if (context == null) {
      throw new IllegalArgumentException(
          "context: this model is conditional, it needs " + contextDim + " context features a row");
    }
    requireSize(context, n, new long[] {contextDim}, "context");
    inputs.put(OnnxModels.CONTEXT, new OnnxSession.Input(context, n, contextDim));
  }

  /** Draws {@code n} samples at {@code temperature}; the same seed gives the same samples. */
  public float[] sample(int n, double temperature, long seed) {
    return decode(draws(n, seed), n, temperature);
  }

  /** The standard latents {@link #sample} decodes for {@code (n, seed)}. */
  public float[] draws(int n, long seed) {
    return Noise.draw(noise, Noise.stream(seed), Math.toIntExact(n * size(latentShape)));
  }

  /** The provider of the session opened last (log_prob, sample or sampler), e.g. {@code CPU}. */
  public String provider() {
    OnnxSession s = opened();
    return s == null ? "none yet" : s.provider();
  }

  /** Why that provider. */
  public String providerNote() {
    OnnxSession s = opened();
    return s == null ? "" : s.providerNote();
  }

  private OnnxSession opened() {
    return sampler != null ? sampler : sample != null ? sample : logProb;
  }

  /** The shape of one data point. */
  public long[] eventShape() {
    return eventShape.clone();
  }

  @Override
  public void close() {
    if (logProb != null) {
      logProb.close();
    }
    if (sample != null) {
      sample.close();
    }
    if (sampler != null) {
      sampler.close();
    }
  }

  private static long[] batched(int n, long[] shape) {
    long[] s = new long[shape.length + 1];
    s[0] = n;
    System.arraycopy(shape, 0, s, 1, shape.length);
    return s;
  }

  private static long size(long[] shape) {
    long p = 1;
    for (long d : shape) {
      p *= d;
    }
    return p;
  }

  private static void requireSize(float[] values, int n, long[] shape, String what) {
    if (values.length != n * size(shape)) {
      throw new IllegalArgumentException(
          what
              + ": "
              + values.length
              + " values are not "
              + n
              + " points of shape "
              + java.util.Arrays.toString(shape));
    }
  }
}
