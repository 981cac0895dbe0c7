package org.flowlab.plugins.glow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.Arrays;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.linalg.Lu;
import org.flowlab.api.nn.Parameter;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.random.Seeds;
import org.flowlab.api.testkit.FlowChecks;
import org.junit.jupiter.api.Test;

/** The invertible 1×1 convolution and its random-rotation initialisation. */
class InvertibleConvTest {
  private static double[][] identity(int n) {
    double[][] eye = new double[n][n];
    for (int i = 0; i < n; i++) {
      eye[i][i] = 1;
    }
    return eye;
  }

  @Test
  void initialWeightIsARotationFixedBySeedAndName() {
    try (NDManager m = NDManager.newBaseManager()) {
      for (boolean lu : new boolean[] {true, false}) {
        InvertibleConv conv =
            new InvertibleConv(ParameterScope.root(m, 3).child("conv"), new Shape(6, 2, 2), lu);
        float[] w = conv.weight(m).toFloatArray();
        double[][] wd = Matrices.fromFloats(w, 6);
        double[][] wt = new double[6][6];
        for (int i = 0; i < 6; i++) {
          for (int j = 0; j < 6; j++) {
            wt[i][j] = wd[j][i];
          }
        }
        FlowChecks.assertClose(wt, Lu.of(wd).inverse(), 1e-5); // a rotation: W⁻¹ = Wᵀ
        assertFalse(Arrays.equals(w, Matrices.toFloats(identity(6))), "not the identity");

        float[] again =
            new InvertibleConv(ParameterScope.root(m, 3).child("conv"), new Shape(6, 2, 2), lu)
                .weight(m)
                .toFloatArray();
        assertArrayEquals(w, again, "same seed and name, same W");
        float[] otherName =
            new InvertibleConv(ParameterScope.root(m, 3).child("other"), new Shape(6, 2, 2), lu)
                .weight(m)
                .toFloatArray();
        assertFalse(Arrays.equals(w, otherName), "another name, another W");
      }
    }
  }

  /** Moves every trainable parameter of the scope by seeded noise. */
  private static void perturb(ParameterScope root, double std) {
    for (Parameter p : root.parameters()) {
      if (p.trainable()) {
        float[] v = p.value().toFloatArray();
        float[] noise = Seeds.normal(Seeds.stream(9, p.name()), v.length);
        for (int i = 0; i < v.length; i++) {
          v[i] += (float) (std * noise[i]);
        }
        p.assign(p.value().getManager().create(v, p.value().getShape()));
      }
    }
  }

  @Test
  void logDetIsSpatialTimesLogAbsDetOfWAndMatchesTheJacobian() {
    try (NDManager m = NDManager.newBaseManager()) {
      for (boolean lu : new boolean[] {true, false}) {
        ParameterScope root = ParameterScope.root(m, 4);
        Shape shape = new Shape(3, 2, 2);
        InvertibleConv conv = new InvertibleConv(root.child("conv"), shape, lu);
        perturb(root, 0.3);
        double logAbsDetW = Lu.logAbsDet(Matrices.fromFloats(conv.weight(m).toFloatArray(), 3));
        assertTrue(Math.abs(logAbsDetW) > 0.05, "the perturbed W changes volume: " + logAbsDetW);
        NDArray x = m.create(Seeds.normal(Seeds.stream(4, "x"), 2 * 12), new Shape(2, 3, 2, 2));
        Transformed t = conv.forward(x, LogDetMode.EXACT);
        double[][][] jac = FlowChecks.jacobians(v -> conv.forward(v, LogDetMode.EXACT).value(), x);
        for (int s = 0; s < 2; s++) {
          assertEquals(4 * logAbsDetW, t.logDet().getFloat(s), 1e-4, "h·w·log|det W|");
          assertEquals(Lu.logAbsDet(jac[s]), t.logDet().getFloat(s), 1e-4, "Jacobian");
        }
        assertTrue(FlowChecks.maxAbsDiff(conv.inverse(t.value()), x) < 1e-5, "inverse");
      }
    }
  }

  @Test
  void plainLogDetHasTheGradientOfLogAbsDet() {
    try (NDManager m = NDManager.newBaseManager()) {
      ParameterScope root = ParameterScope.root(m, 6);
      InvertibleConv conv = new InvertibleConv(root.child("conv"), new Shape(4), false);
      perturb(root, 0.3);
      NDArray weight = root.parameters().get(0).value();
      double[][] inv = Lu.of(Matrices.fromFloats(weight.toFloatArray(), 4)).inverse();
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray x = m.zeros(new Shape(1, 4));
        gc.backward(conv.forward(x, LogDetMode.EXACT).logDet().sum());
      }
      float[] grad = weight.getGradient().toFloatArray();
      for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 4; j++) {
          assertEquals(inv[j][i], grad[i * 4 + j], 1e-4, "∂ log|det W| / ∂W = W^-T at " + i + j);
        }
      }
    }
  }
}
