package org.flowlab.api.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Map;
import org.flowlab.api.nn.EagerOps;
import org.flowlab.api.nn.Scalars;
import org.flowlab.api.ode.DormandPrince;
import org.flowlab.api.ode.Field;
import org.flowlab.api.ode.RungeKutta4;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxTensor;
import org.flowlab.api.onnx.runtime.OnnxSession;
import org.flowlab.api.onnx.runtime.OnnxSession.Input;
import org.flowlab.api.random.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every op of {@link TensorOps}, written once, agrees in its interpretations: eager values and ONNX
 * Runtime values of the recorded graph; eager dual tangents and central finite differences; dual
 * tangents recorded into ONNX (k per sample) and eager dual tangents.
 */
class InterpretationsAgreeTest {
  private static final int N = 3;
  private static final int K = 2;

  /** One op under test, with its per-sample input shape and two parameter shapes. */
  enum Case {
    CONSTANT(new Shape(2, 3), new Shape(2, 3)) {
      @Override
      <T> T apply(TensorOps<T> o, T x, T p, T q) {
        T c = o.constant(x, new float[] {1, -2, 0.5f, 3, -1, 2}, new Shape(2, 3));
        return o.mul(o.tanh(o.mul(x, c)), o.add(p, o.constant(x, new float[] {2}, new Shape())));
      }
    },
    /** tanh(p) computed where the interpretation computes, recorded as its Java-side value. */
    FOLDED(new Shape(2, 3), new Shape(2, 3)) {
      @Override
      <T> T apply(TensorOps<T> o, T x, T p, T q) {
        float[] current = Seeds.normal(Seeds.stream(11, "p"), 6);
        for (int i = 0; i < current.length; i++) {
          current[i] = (float) Math.tanh(current[i]);
        }
        T folded = o.folded(x, () -> o.tanh(p), () -> current, new Shape(2, 3));
        return o.mul(o.tanh(x), folded);
      }
    },
    EXPAND_BATCH(new Shape(2, 3), new Shape(2, 3)) {
      @Override
      <T> T apply(TensorOps<T> o, T x, T p, T q) {
        return o.mul(o.tanh(x), o.expandBatch(x, o.exp(p)));
      }
    },
    ADD(4, 4) {
      @Override
      <T> T apply(TensorOps<T> o, T x, T p, T q) {
        return o.add(x, p);
      }
    },
    SUB(4, 4) {
      @Override
      <T> T apply(TensorOps<T> o, T x, T p, T q) {
        return o.sub(p, o.mul(x, x));
      }
    },
    MUL(4, 4) {
      @Override
      <T> T apply(TensorOps<T> o, T x, T p, T q) {
        return o.mul(o.mul(x, p), x);
      }
    },
    DIV(4, 4) {
      @Override
      <T> T apply(TensorOps<T> o, T x, T p, T q) {
        return o.div(o.mul(x, p), o.addScalar(o.mul(x, x), 1));
      }
    },
    NEG_SCALARS(4, 4) {
      @Override
      <T> T apply(TensorOps<T> o, T x, T p, T q) {
        return o.neg(o.mulScalar(o.addScalar(x, 0.5), 3));
      }
    },
    MIN_SCALAR(4, 4) {
      @Override
      <T> T apply(TensorOps<T> o, T x, T p, T q) {
        return o.minScalar(o.mulScalar(x, 2), 0.5);
      }
    },
    POSITIVE(4, 4) {
      @Override
      <T> T apply(TensorOps<T> o, T x, T p, T q) {
        return o.mul(o.positive(x), x);
      }
    },
    EXP_LOG(4, 4) {
      @Override
      <T> T apply(TensorOps<T> o, T x, T p, T q) {
        return o.add(o.exp(x), o.log(o.addScalar(o.mul(x, x), 0.5)));
      }
    },
    TANH(4, 4) {
      @Override
      <T> T apply(TensorOps<T> o, T x, T p, T q) {
        return o.tanh(x);
      }
    },
    SIGMOID(4, 4) {
      @Override
      <T> T apply(TensorOps<T> o, T x, T p, T q) {
        return o.sigmoid(x);
      }
    },
    SOFTPLUS(4, 4) {
      @Override
      <T> T apply(TensorOps<T> o, T x, T p, T q) {
        return o.softplus(o.mul(x, p));
      }
    },
    RELU(4, 4) {
      @Override
      <T> T apply(TensorOps<T> o, T x, T p, T q) {
        return o.relu(x);
      }
    },
    ELU(4, 4) {
      @Override
      <T> T apply(TensorOps<T> o, T x, T p, T q) {
        return o.elu(x);
      }
    },
    LINEAR(4, 3, 4) {
      @Override
      <T> T apply(TensorOps<T> o, T x, T p, T q) {
        return o.linear(x, p, q);
      }
    },
    LINEAR_NO_BIAS(4, 3, 4) {
      @Override
      <T> T apply(TensorOps<T> o, T x, T p, T q) {
        return o.linear(o.tanh(x), p, null);
      }
    },
    CONV2D(new Shape(2, 4, 4), new Shape(3, 2, 3, 3)) {
      @Override
      <T> T apply(TensorOps<T> o, T x, T p, T q) {
        return o.conv2d(x, p, q, 1);
      }
    },
    SUM_AFTER(new Shape(2, 3), new Shape(2, 3)) {
      @Override
      <T> T apply(TensorOps<T> o, T x, T p, T q) {
        return o.sumAfter(o.mul(o.tanh(x), p), 1);
      }
    },
    MATMUL_SPLIT_CONCAT(4, 4, 4) {
      @Override
      <T> T apply(TensorOps<T> o, T x, T p, T q) {
        List<T> parts = o.split(o.matMul(x, p), 1, new long[] {1, 3});
        return o.concat(o.tanh(parts.get(2)), o.mul(parts.get(0), parts.get(1)), 1);
      }
    },
    PER_SAMPLE_RESHAPE(new Shape(2, 3), new Shape(6)) {
      @Override
      <T> T apply(TensorOps<T> o, T x, T p, T q) {
        T perSample = o.perSample(x, o.sumAfter(p, 0));
        T sum = o.sumAfter(o.mul(x, o.reshape(p, new Shape(2, 3))), 1);
        T flat = o.sumAfter(o.reshape(o.tanh(x), new Shape(-1, 6)), 1);
        return o.add(o.add(o.add(sum, perSample), o.zerosPerSample(x)), flat);
      }
    },
    ABS_SQRT_MAX(4, 4) {
      @Override
      <T> T apply(TensorOps<T> o, T x, T p, T q) {
        return o.add(o.sqrt(o.addScalar(o.abs(x), 0.5)), o.maxScalar(o.mulScalar(x, 2), 0.5));
      }
    },
    SOFTMAX_CUMSUM(new Shape(3, 2), new Shape(3, 2)) {
      @Override
      <T> T apply(TensorOps<T> o, T x, T p, T q) {
        return o.mul(o.cumSum(o.softmax(o.mul(x, p), 1), 1), x);
      }
    },
    SLICE_SUM_UNSQUEEZE(new Shape(3, 2), new Shape(3, 2)) {
      @Override
      <T> T apply(TensorOps<T> o, T x, T p, T q) {
        T rows = o.slice(o.mul(x, p), 1, 1, 9);
        return o.mul(o.unsqueeze(o.sum(o.tanh(rows), 1), 1), x);
      }
    },
    PARAMETER_SLICES(new Shape(2), new Shape(3, 2)) {
      @Override
      <T> T apply(TensorOps<T> o, T x, T p, T q) {
        // Slices of one parameter in turn: each must see the parameter's own shape.
        T flat = o.reshape(p, new Shape(1, 6));
        T sum = o.add(o.slice(flat, 1, 2, 4), o.slice(flat, 1, 4, 6));
        return o.add(o.mul(x, o.slice(flat, 1, 0, 2)), o.mul(o.tanh(x), sum));
      }
    },
    TRANSPOSE_RESHAPE(new Shape(2, 3), new Shape(3, 2)) {
      @Override
      <T> T apply(TensorOps<T> o, T x, T p, T q) {
        T swapped = o.mul(o.transpose(o.tanh(x), 0, 2, 1), p);
        return o.reshape(swapped, new Shape(-1, 2, 3));
      }
    },
    BLOCKS(new Shape(2, 3), new Shape(2, 3)) {
      @Override
      <T> T apply(TensorOps<T> o, T x, T p, T q) {
        List<T> blocks = o.blocks(o.mul(x, p), 1, 2);
        return o.mul(blocks.get(0), o.exp(blocks.get(1)));
      }
    };

    final Shape event;
    final Shape param;

    Case(long event, long... param) {
      this(new Shape(event), new Shape(param));
    }

    Case(Shape event, Shape param) {
      this.event = event;
      this.param = param;
    }

    /**
     * The op of {@code x} with parameters {@code p} (shape {@code param}) and {@code q} (shape
     * {@code param[0]}).
     */
    abstract <T> T apply(TensorOps<T> o, T x, T p, T q);

    /** The op with its parameters read through {@code o}. */
    <T> T run(TensorOps<T> o, T x, NDArray p, NDArray q) {
      return apply(o, x, o.parameter(p), o.parameter(q));
    }
  }

  @ParameterizedTest
  @EnumSource(Case.class)
  void eagerDualAndOnnxAgree(Case op) {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = awayFromKinks(normal(m, new Shape(N).addAll(op.event), "x"));
      NDArray v = normal(m, new Shape(N, K).addAll(op.event), "v");
      NDArray p = normal(m, op.param, "p");
      NDArray q = normal(m, new Shape(op.param.get(0)), "q");
      EagerOps eager = EagerOps.FLOAT32;
      NDArray value = op.run(eager, x, p, q);

      OnnxGraph g = new OnnxGraph("ops");
      OnnxTensor xIn = g.input("x", op.event);
      OnnxTensor vIn = g.input("v", new Shape(K).addAll(op.event));
      OnnxOps onnx = new OnnxOps(g);
      Traced traced = op.run(onnx, Traced.of(xIn), p, q);
      g.output("value", traced.tensor());
      DualOps<Traced> onnxDual = onnx.tangents();
      Dual<Traced> jvp = op.run(onnxDual, new Dual<>(Traced.of(xIn), Traced.of(vIn)), p, q);
      g.output("dual_value", jvp.primal().tensor());
      g.output("tangents", jvp.tangent().tensor());
      assertEquals(
          new Shape(K).addAll(traced.shape()), jvp.tangent().shape(), "recorded tangent shape");

      Map<String, Input> inputs =
          Map.of(
              "x", new Input(x.toFloatArray(), x.getShape().getShape()),
              "v", new Input(v.toFloatArray(), v.getShape().getShape()));
      try (OnnxSession ort = OnnxSession.open(g.toBytes(), OnnxSession.Provider.CPU)) {
        assertClose(value.toFloatArray(), ort.run(inputs, "value"), 1e-5, "ONNX value");
        assertClose(value.toFloatArray(), ort.run(inputs, "dual_value"), 1e-5, "ONNX dual value");
        float[] tangents = ort.run(inputs, "tangents");
        double norm = 0;
        for (int j = 0; j < K; j++) {
          NDArray vj = v.get(new NDIndex(":, {}", j));
          Dual<NDArray> d = op.run(eager.dual(), new Dual<>(x, vj), p, q);
          float[] want = d.tangent().toFloatArray();
          assertClose(value.toFloatArray(), d.primal().toFloatArray(), 0, "dual value");
          assertClose(
              finiteDifference(op, x, vj, p, q), want, 2e-3, "eager tangent vs differences");
          int per = want.length / N;
          float[] got = new float[want.length];
          for (int i = 0; i < N; i++) {
            System.arraycopy(tangents, (i * K + j) * per, got, i * per, per);
          }
          assertClose(want, got, 1e-4, "ONNX tangent " + j);
          for (float w : want) {
            norm = Math.max(norm, Math.abs(w));
          }
        }
        if (op != Case.POSITIVE) {
          assertTrue(norm > 1e-2, "tangents must not vanish, or the check is vacuous");
        }
      }
    }
  }

  /**
   * {@code logAbsDet}: the eager host LU and ONNX Runtime's {@code Log(Abs(Det))} agree on a batch
   * of matrices (determinants of both signs); dual numbers pass a tangent-free value through and
   * refuse a tangent with one clear exception.
   */
  @Test
  void logAbsDetAgreesEagerAndInOnnxAndDualsRefuseATangent() {
    int d = 3;
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray a = normal(m, new Shape(N, d, d), "matrices");
      float[] eager = EagerOps.FLOAT32.logAbsDet(a).toFloatArray();
      float[] flat = a.toFloatArray();
      boolean negative = false;
      for (int s = 0; s < N; s++) {
        double[][] matrix = new double[d][d];
        for (int r = 0; r < d; r++) {
          for (int c = 0; c < d; c++) {
            matrix[r][c] = flat[(s * d + r) * d + c];
          }
        }
        negative |= org.flowlab.api.linalg.Lu.of(matrix).determinantSign() < 0;
      }
      assertTrue(negative, "a negative determinant must be among the cases, or Abs is untested");

      OnnxGraph g = new OnnxGraph("logdet");
      OnnxTensor in = g.input("a", new Shape(d, d));
      Traced logDet = new OnnxOps(g).logAbsDet(Traced.of(in));
      assertEquals(new Shape(), logDet.shape(), "recorded shape");
      g.output("log_det", logDet.tensor());
      Map<String, Input> inputs = Map.of("a", new Input(flat, a.getShape().getShape()));
      try (OnnxSession ort = OnnxSession.open(g.toBytes(), OnnxSession.Provider.CPU)) {
        assertClose(eager, ort.run(inputs, "log_det"), 1e-5, "ONNX log|det|");
      }

      Dual<NDArray> plain = EagerOps.FLOAT32.dual().logAbsDet(new Dual<>(a, null));
      assertClose(eager, plain.primal().toFloatArray(), 0, "dual value");
      UnsupportedOperationException refused =
          assertThrows(
              UnsupportedOperationException.class,
              () -> EagerOps.FLOAT32.dual().logAbsDet(new Dual<>(a, a.onesLike())));
      assertTrue(refused.getMessage().contains("forward-mode"), refused.getMessage());
    }
  }

  /**
   * Eager conv2d of images with a leading tangent axis {@code (k, N, c, h, w)} (a Jacobian's basis
   * as dual tangents) convolves each of the k stacks as the plain op does, keeping the axis.
   */
  @Test
  void eagerConvolutionKeepsALeadingTangentAxis() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = normal(m, new Shape(K, N, 2, 4, 4), "stacked");
      NDArray w = normal(m, new Shape(3, 2, 3, 3), "kernel");
      NDArray b = normal(m, new Shape(3), "bias");
      NDArray stacked = EagerOps.FLOAT32.conv2d(x, w, b, 1);
      assertEquals(new Shape(K, N, 3, 4, 4), stacked.getShape());
      for (int j = 0; j < K; j++) {
        NDArray one = EagerOps.FLOAT32.conv2d(x.get(j), w, b, 1);
        assertClose(one.toFloatArray(), stacked.get(j).toFloatArray(), 1e-6, "stack " + j);
      }
    }
  }

  /** RK4 written once: its eager solve and its trace run in ONNX Runtime give the same state. */
  @Test
  void rungeKuttaTraceMatchesTheEagerSolve() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray a = normal(m, new Shape(3), "a");
      NDArray y0 = normal(m, new Shape(N, 3), "y0");
      RungeKutta4 rk4 = new RungeKutta4(5);
      NDArray eager =
          rk4.solve(
                  (t, y) -> new NDList(Scalars.mul(y.get(0).mul(a).tanh(), 1 + t)),
                  new NDList(y0),
                  0,
                  1)
              .state()
              .get(0);
      OnnxGraph g = new OnnxGraph("rk4");
      OnnxOps ops = new OnnxOps(g);
      Field<Traced> field =
          (t, y) -> List.of(ops.mulScalar(ops.tanh(ops.mul(y.get(0), ops.parameter(a))), 1 + t));
      OnnxTensor in = g.input("y0", new Shape(3));
      g.output("y1", rk4.trace(ops, field, List.of(Traced.of(in)), 0, 1).get(0).tensor());
      try (OnnxSession ort = OnnxSession.open(g.toBytes(), OnnxSession.Provider.CPU)) {
        float[] got = ort.run(Map.of("y0", new Input(y0.toFloatArray(), N, 3)), "y1");
        assertClose(eager.toFloatArray(), got, 1e-5, "rk4 state");
      }
    }
  }

  @Test
  void adaptiveStepControlSaysItCannotBeTraced() {
    OnnxOps ops = new OnnxOps(new OnnxGraph("dopri5"));
    UnsupportedOperationException e =
        assertThrows(
            UnsupportedOperationException.class,
            () -> new DormandPrince(1e-5, 1e-5).trace(ops, (t, y) -> y, List.of(), 0, 1));
    assertTrue(e.getMessage().contains("adaptive step control"), e.getMessage());
  }

  /** (f(x + εv) − f(x − εv)) / 2ε, eagerly. */
  private static float[] finiteDifference(Case op, NDArray x, NDArray v, NDArray p, NDArray q) {
    double eps = 1e-2;
    NDArray plus = op.run(EagerOps.FLOAT32, x.add(Scalars.mul(v, eps)), p, q);
    NDArray minus = op.run(EagerOps.FLOAT32, x.sub(Scalars.mul(v, eps)), p, q);
    return Scalars.div(plus.sub(minus), 2 * eps).toFloatArray();
  }

  /**
   * Moves values off the kinks at 0 (relu, elu, positive, abs) and at 0.25 (min, max with 0.5 of
   * 2x).
   */
  private static NDArray awayFromKinks(NDArray x) {
    NDArray sign = Scalars.mul(x.gte(0).toType(x.getDataType(), false), 2).sub(1);
    NDArray moved = x.add(Scalars.mul(sign, 0.1));
    NDArray nearQuarter = moved.sub(0.25f).abs().lt(0.1f).toType(x.getDataType(), false);
    return moved.add(Scalars.mul(nearQuarter, 0.3));
  }

  private static void assertClose(float[] want, float[] got, double tolerance, String what) {
    assertEquals(want.length, got.length, what + " size");
    for (int i = 0; i < want.length; i++) {
      assertTrue(
          Math.abs(want[i] - got[i]) <= tolerance * (1 + Math.abs(want[i])),
          what + "[" + i + "]: " + want[i] + " vs " + got[i]);
    }
  }

  private static NDArray normal(NDManager m, Shape shape, String purpose) {
    return m.create(Seeds.normal(Seeds.stream(11, purpose), Math.toIntExact(shape.size())), shape);
  }
}
