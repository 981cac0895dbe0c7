package org.flowlab.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.function.Function;
import org.flowlab.api.nn.Autocast;
import org.flowlab.api.nn.Conv2d;
import org.flowlab.api.nn.Layer;
import org.flowlab.api.nn.Linear;
import org.flowlab.api.nn.MaskedLinear;
import org.flowlab.api.nn.Parameter;
import org.flowlab.api.nn.ParameterScope;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The matmul-class layers under {@code training.precision} bfloat16 and float16, on real libtorch
 * kernels: the result is float32 holding values of the compute type (an output cast back from
 * bfloat16 has its low 16 bits zero, from float16 its low 13), differs from the float32 layer by
 * that type's rounding and agrees with it within a stated bound, while gradients are recorded (a
 * training step); without recording (evaluation) the layer is the float32 layer, bit for bit.
 */
class TorchAutocastTest {
  /**
   * Mantissa bits below the compute type's precision, and the unit roundoff the bound uses: each of
   * x, W, b and the result is rounded once (half an ulp, 2^-9 for bfloat16's 8 significant bits,
   * 2^-12 for float16's 11) and products accumulate in float32, so |low − float32| ≤ 4u·(|x|·|W|ᵀ +
   * |b|) with u = 2^-9 or 2^-12 holds with room to spare.
   */
  private static int droppedBits(String precision) {
    return "bfloat16".equals(precision) ? 16 : 13;
  }

  private static double unitRoundoff(String precision) {
    return "bfloat16".equals(precision) ? Math.scalb(1.0, -9) : Math.scalb(1.0, -12);
  }

  /** The layers that autocast, built the same way in a scope; each with its input shape. */
  private record Case(String name, Function<ParameterScope, Layer> build, Shape input) {}

  private static final List<Case> CASES =
      List.of(
          new Case("linear", s -> new Linear(s.child("lin"), 24, 16, false), new Shape(32, 24)),
          new Case(
              "masked",
              s -> new MaskedLinear(s.child("made"), mask(16, 24), false),
              new Shape(32, 24)),
          new Case(
              "conv", s -> new Conv2d(s.child("conv"), 3, 4, 3, false), new Shape(2, 3, 6, 6)));

  private static boolean[][] mask(int out, int in) {
    boolean[][] m = new boolean[out][in];
    for (int o = 0; o < out; o++) {
      for (int i = 0; i < in; i++) {
        m[o][i] = (o + i) % 3 != 0;
      }
    }
    return m;
  }

  @ParameterizedTest
  @ValueSource(strings = {"bfloat16", "float16"})
  void layersComputeInTheLowTypeAndReturnFloat32WithinItsRounding(String precision) {
    try (NDManager m = NDManager.newBaseManager()) {
      Autocast low = TorchAutocast.of(precision, m);
      for (Case c : CASES) {
        Layer reference = c.build().apply(ParameterScope.root(m, 3));
        Layer cast = c.build().apply(ParameterScope.root(m, 3, null, low));
        NDArray x = m.randomNormal(c.input());
        NDArray expected = reference.forward(x);
        NDArray actual;
        try (GradientCollector training = Engine.getInstance().newGradientCollector()) {
          actual = cast.forward(x);
        }
        boolean recording = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
          assertArrayEquals(
              expected.toFloatArray(), cast.forward(x).toFloatArray(), c.name() + ": evaluation");
        } finally {
          JniUtils.setGradMode(recording);
        }
        assertEquals(DataType.FLOAT32, actual.getDataType(), c.name());
        assertEquals(expected.getShape(), actual.getShape(), c.name());
        float[] e = expected.toFloatArray();
        float[] a = actual.toFloatArray();
        int mask = (1 << droppedBits(precision)) - 1;
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
          assertEquals(
              0,
              Float.floatToRawIntBits(a[i]) & mask,
              c.name() + ": " + a[i] + " is not " + precision);
          worst = Math.max(worst, Math.abs(a[i] - e[i]));
        }
        assertTrue(worst > 0, c.name() + ": no rounding at all, so nothing was cast");
        float[] bound = bound(c, m, x, precision);
        for (int i = 0; i < a.length; i++) {
          assertTrue(
              Math.abs(a[i] - e[i]) <= bound[i],
              c.name()
                  + " value "
                  + i
                  + ": "
                  + a[i]
                  + " vs float32 "
                  + e[i]
                  + ", bound "
                  + bound[i]);
        }
        // The tangent path casts too: J·v of a linear layer is the layer without its bias.
        NDArray v = m.randomNormal(c.input());
        try (GradientCollector training = Engine.getInstance().newGradientCollector()) {
          NDArray tangent = cast.jvp(x, v).tangent();
          assertEquals(DataType.FLOAT32, tangent.getDataType(), c.name());
          assertEquals(0, Float.floatToRawIntBits(tangent.toFloatArray()[0]) & mask, c.name());
        }
      }
    }
  }

  /** 4u·(|x|·|W|ᵀ + |b|): the float32 layer of the same seed with |W| and |b|, run on |x|. */
  private static float[] bound(Case c, NDManager m, NDArray x, String precision) {
    ParameterScope scope = ParameterScope.root(m, 3);
    Layer layer = c.build().apply(scope);
    for (Parameter p : scope.parameters()) {
      p.assign(p.value().abs());
    }
    float[] magnitude = layer.forward(x.abs()).toFloatArray();
    float[] bound = new float[magnitude.length];
    for (int i = 0; i < bound.length; i++) {
      bound[i] = (float) (4 * unitRoundoff(precision) * magnitude[i]);
    }
    return bound;
  }
}
