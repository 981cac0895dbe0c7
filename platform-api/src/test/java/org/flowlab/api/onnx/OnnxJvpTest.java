package org.flowlab.api.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Map;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.Conv2d;
import org.flowlab.api.nn.Layer;
import org.flowlab.api.nn.LipSwish;
import org.flowlab.api.nn.Made;
import org.flowlab.api.nn.Mlp;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.onnx.runtime.OnnxSession;
import org.flowlab.api.onnx.runtime.OnnxSession.Input;
import org.flowlab.api.random.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Emitted JVPs ({@link OnnxJvpLayer}) run in ONNX Runtime and match the JVM's {@code Layer#jvp},
 * value and every one of the k tangents per sample.
 */
class OnnxJvpTest {
  private static final int N = 5;
  private static final int K = 3;

  @ParameterizedTest
  @EnumSource(Activation.class)
  void mlpTangentsMatchTheJvm(Activation activation) {
    try (NDManager m = NDManager.newBaseManager()) {
      Mlp mlp = new Mlp(ParameterScope.root(m, 3), 4, List.of(8, 8), 4, activation, false);
      assertJvpParity(m, mlp, new Shape(4));
    }
  }

  @Test
  void madeTangentsMatchTheJvm() {
    try (NDManager m = NDManager.newBaseManager()) {
      int[] order = Made.randomOrder(4, 2);
      Made made =
          new Made(ParameterScope.root(m, 3), order, List.of(8, 8), 2, Activation.TANH, false);
      assertJvpParity(m, made, new Shape(4));
    }
  }

  @Test
  void lipSwishTangentsMatchTheJvm() {
    try (NDManager m = NDManager.newBaseManager()) {
      assertJvpParity(m, new LipSwish(ParameterScope.root(m, 3)), new Shape(6));
    }
  }

  @Test
  void convTangentsMatchTheJvm() {
    try (NDManager m = NDManager.newBaseManager()) {
      assertJvpParity(m, new Conv2d(ParameterScope.root(m, 3), 2, 3, 3, false), new Shape(2, 4, 4));
    }
  }

  private static <L extends Layer & OnnxJvpLayer> void assertJvpParity(
      NDManager m, L layer, Shape event) {
    NDArray x = normal(m, new Shape(N).addAll(event), "x");
    NDArray v = normal(m, new Shape(N, K).addAll(event), "v");
    OnnxGraph g = new OnnxGraph("jvp");
    OnnxTensor xIn = g.input("x", event);
    OnnxTensor vIn = g.input("v", new Shape(K).addAll(event));
    OnnxJvp jvp = layer.emitJvp(g, xIn, vIn);
    g.output("value", jvp.value());
    g.output("tangents", jvp.tangents());
    assertEquals(K, jvp.tangents().eventShape().get(0), "k tangents per sample");

    Map<String, Input> inputs =
        Map.of(
            "x", new Input(x.toFloatArray(), x.getShape().getShape()),
            "v", new Input(v.toFloatArray(), v.getShape().getShape()));
    try (OnnxSession model = OnnxSession.open(g.toBytes(), OnnxSession.Provider.CPU)) {
      float[] value = model.run(inputs, "value");
      float[] tangents = model.run(inputs, "tangents");
      assertClose(layer.forward(x).toFloatArray(), value, "value");
      double norm = 0;
      for (int j = 0; j < K; j++) {
        NDArray expected = layer.jvp(x, v.get(new NDIndex(":, {}", j))).tangent();
        float[] want = expected.toFloatArray();
        int per = want.length / N;
        float[] got = new float[want.length];
        for (int i = 0; i < N; i++) {
          System.arraycopy(tangents, (i * K + j) * per, got, i * per, per);
        }
        assertClose(want, got, "tangent " + j);
        for (float w : want) {
          norm = Math.max(norm, Math.abs(w));
        }
      }
      assertTrue(norm > 1e-2, "tangents must not vanish, or the check is vacuous");
    }
  }

  private static void assertClose(float[] want, float[] got, String what) {
    assertEquals(want.length, got.length, what + " size");
    for (int i = 0; i < want.length; i++) {
      assertTrue(
          Math.abs(want[i] - got[i]) <= 1e-5 * (1 + Math.abs(want[i])),
          what + "[" + i + "]: JVM " + want[i] + " vs ONNX " + got[i]);
    }
  }

  private static NDArray normal(NDManager m, Shape shape, String purpose) {
    return m.create(Seeds.normal(Seeds.stream(7, purpose), Math.toIntExact(shape.size())), shape);
  }
}
