package org.flowlab.api.testkit;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One ONNX model in a real ONNX Runtime session on the CPU, for tests of what bijectors and layers
 * emit: float32 inputs in, one float32 output back.
 */
public final class OnnxRuntimeModel implements AutoCloseable {
  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final OrtSession session;

  /** Opens a serialised model (fails the test when ONNX Runtime rejects it). */
  public OnnxRuntimeModel(byte[] model) {
    try {
      this.session = env.createSession(model, new OrtSession.SessionOptions());
    } catch (OrtException e) {
      throw new AssertionError("ONNX Runtime rejected the model: " + e.getMessage(), e);
    }
  }

  /** A float32 input: row-major values and the full shape (batch first; {@code []} = scalar). */
  public record Input(float[] values, long... shape) {}

  /** Runs the model and returns {@code output}, flattened row-major. */
  public float[] run(String output, Map<String, Input> inputs) {
    Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, Input> e : inputs.entrySet()) {
        Input in = e.getValue();
        tensors.put(
            e.getKey(), OnnxTensor.createTensor(env, FloatBuffer.wrap(in.values()), in.shape()));
      }
      try (OrtSession.Result result = session.run(tensors)) {
        OnnxTensor out =
            (OnnxTensor)
                result
                    .get(output)
                    .orElseThrow(() -> new AssertionError("the model has no output " + output));
        FloatBuffer buffer = out.getFloatBuffer();
        float[] values = new float[buffer.remaining()];
        buffer.get(values);
        return values;
      }
    } catch (OrtException e) {
      throw new AssertionError("ONNX Runtime failed: " + e.getMessage(), e);
    } finally {
      tensors.values().forEach(OnnxTensor::close);
    }
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException(e);
    }
  }
}
