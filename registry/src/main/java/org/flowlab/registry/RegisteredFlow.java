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
 * per point or sample.
 */
public final class RegisteredFlow implements AutoCloseable {
  private final byte[] logProbModel;
  private final byte[] sampleModel;
  private final long[] eventShape;
  private final long[] latentShape;
  private final String noise;
  private final OnnxSession.Provider wanted;
  private final int contextDim;
  private int intraOpThreads;
  private OnnxSession logProb;
  private OnnxSession sample;

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
    this.noise = models.noise();
    this.eventShape = eventShape.clone();
    this.latentShape = latentShape.clone();
    this.wanted = wanted;
  }

  /** A stored version, read from its folder. */
  public static RegisteredFlow open(ModelStore.Registered model, OnnxSession.Provider wanted)
      throws IOException {
    ModelCard card = model.card();
    for (java.nio.file.Path file : java.util.List.of(model.logProbFile(), model.sampleFile())) {
      if (!java.nio.file.Files.isRegularFile(file)) {
        throw new IOException(file + ": missing (the registered version is incomplete)");
      }
    }
    OnnxModels models =
        new OnnxModels(
            java.nio.file.Files.readAllBytes(model.logProbFile()),
            java.nio.file.Files.readAllBytes(model.sampleFile()),
            card.noise(),
            card.opset());
    return new RegisteredFlow(
        models, card.eventShape(), card.latentShape(), wanted, card.contextDim());
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

  /** The provider of the session opened last (log_prob or sample), e.g. {@code CPU}. */
  public String provider() {
    OnnxSession s = sample != null ? sample : logProb;
    return s == null ? "none yet" : s.provider();
  }

  /** Why that provider. */
  public String providerNote() {
    OnnxSession s = sample != null ? sample : logProb;
    return s == null ? "" : s.providerNote();
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
