package org.flowlab.api.onnx.runtime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One ONNX model in an ONNX Runtime session, float32 inputs in, one float32 output back: what the
 * registry serves exported flows with and what the conformance kit checks exports with (the one
 * wrapper of ONNX Runtime). The execution provider is chosen by {@link Provider}: {@code AUTO} (the
 * default, or the environment variable {@value #PROVIDER_ENV}) tries CUDA when an NVIDIA driver is
 * present and falls back to the CPU when the CUDA provider does not load; {@link #provider()} and
 * {@link #providerNote()} say what was used and why.
 */
public final class OnnxSession implements AutoCloseable {
  /**
   * Environment variable that overrides the provider: {@code auto}, {@code cpu} or {@code cuda}.
   */
  public static final String PROVIDER_ENV = "FLOWLAB_ORT_PROVIDER";

  /** Which execution provider to ask for. */
  public enum Provider {
    /** CUDA when it loads, else CPU. */
    AUTO,
    /** CPU only. */
    CPU,
    /** CUDA or fail. */
    CUDA;

    /** The provider named by {@value #PROVIDER_ENV}, {@code AUTO} when unset. */
    public static Provider fromEnvironment() {
      String v = System.getenv(PROVIDER_ENV);
      return v == null || v.isBlank() ? AUTO : valueOf(v.trim().toUpperCase(Locale.ROOT));
    }
  }

  private final OrtEnvironment env;
  private final OrtSession session;
  private final String provider;
  private final String note;

  private OnnxSession(OrtEnvironment env, OrtSession session, String provider, String note) {
    this.env = env;
    this.session = session;
    this.provider = provider;
    this.note = note;
  }

  /** Opens a model file. */
  public static OnnxSession open(Path model, Provider wanted) throws java.io.IOException {
    return open(Files.readAllBytes(model), wanted);
  }

  /** Opens a serialised model with ONNX Runtime's default thread count. */
  public static OnnxSession open(byte[] model, Provider wanted) {
    return open(model, wanted, 0);
  }

  /**
   * Opens a serialised model.
   *
   * @param intraOpThreads ONNX Runtime's intra-op threads; 0 for its default (one per core)
   */
  public static OnnxSession open(byte[] model, Provider wanted, int intraOpThreads) {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    String why;
    if (wanted == Provider.CPU) {
      why = "CPU requested";
    } else if (wanted == Provider.AUTO && !nvidiaDriverPresent()) {
      why = "no NVIDIA driver on this machine";
    } else {
      try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
        options.addCUDA(0);
        return new OnnxSession(env, env.createSession(model, options), "CUDA", "CUDA device 0");
      } catch (OrtException | RuntimeException | UnsatisfiedLinkError e) {
        if (wanted == Provider.CUDA) {
          throw new IllegalStateException("the CUDA execution provider did not load: " + e, e);
        }
        why = "CUDA provider did not load: " + firstLine(e.getMessage());
      }
    }
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      if (intraOpThreads > 0) {
        options.setIntraOpNumThreads(intraOpThreads);
      }
      return new OnnxSession(env, env.createSession(model, options), "CPU", why);
    } catch (OrtException e) {
      throw new IllegalStateException(
          "ONNX Runtime could not load the model: " + e.getMessage(), e);
    }
  }

  /** The execution provider in use: {@code CUDA} or {@code CPU}. */
  public String provider() {
    return provider;
  }

  /** Why this provider (e.g. why not CUDA). */
  public String providerNote() {
    return note;
  }

  /** The ONNX Runtime version. */
  public String runtimeVersion() {
    return env.getVersion();
  }

  /**
   * Runs the model on float inputs and returns one float output.
   *
   * @param inputs input name → (values, shape); a shape of length 0 is a scalar
   * @param output the output's name
   */
  public float[] run(Map<String, Input> inputs, String output) {
    return run(inputs, List.of(output)).get(0);
  }

  /**
   * Runs the model on float inputs once and returns several float outputs, in the order asked.
   *
   * @param inputs input name → (values, shape); a shape of length 0 is a scalar
   * @param outputs the outputs' names
   */
  public List<float[]> run(Map<String, Input> inputs, List<String> outputs) {
    Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
    try {
      for (var e : inputs.entrySet()) {
        tensors.put(
            e.getKey(),
            OnnxTensor.createTensor(
                env, FloatBuffer.wrap(e.getValue().values()), e.getValue().shape()));
      }
      try (OrtSession.Result result = session.run(tensors)) {
        List<float[]> values = new ArrayList<>(outputs.size());
        for (String output : outputs) {
          OnnxValue value =
              result
                  .get(output)
                  .orElseThrow(
                      () -> new IllegalStateException("the model has no output " + output));
          FloatBuffer buffer = ((OnnxTensor) value).getFloatBuffer();
          float[] out = new float[buffer.remaining()];
          buffer.get(out);
          values.add(out);
        }
        return values;
      }
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
    } finally {
      tensors.values().forEach(OnnxTensor::close);
    }
  }

  /**
   * A float input.
   *
   * @param values row-major values
   * @param shape its full shape, batch first; none for a scalar
   */
  public record Input(float[] values, long... shape) {}

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean nvidiaDriverPresent() {
    return Files.exists(Path.of("/proc/driver/nvidia/version"))
        || Files.exists(Path.of("/dev/nvidia0"));
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unknown error";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
