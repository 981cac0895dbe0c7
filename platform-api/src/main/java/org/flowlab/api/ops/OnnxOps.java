package org.flowlab.api.ops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.onnx.proto.OnnxMl.TensorProto;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.flowlab.api.onnx.OnnxGraph;

/**
 * The ONNX interpretation: every op adds its node to an {@link OnnxGraph} and returns the recorded
 * value with its shape; parameters become initializers. What reads tensor values to decide what to
 * compute (adaptive step control) has no such record: it fails with an {@link
 * org.flowlab.api.onnx.OnnxExportException} saying so.
 */
public final class OnnxOps implements TensorOps<Traced> {
  private final OnnxGraph graph;

  /**
   * @param graph the graph the ops are recorded into
   */
  public OnnxOps(OnnxGraph graph) {
    this.graph = graph;
  }

  /** The graph being recorded into. */
  public OnnxGraph graph() {
    return graph;
  }

  /**
   * Dual numbers recorded into this graph with {@code k} tangents per sample: a tangent of a value
   * of per-sample shape {@code S} has per-sample shape {@code (k, S...)}, as {@link
   * org.flowlab.api.onnx.OnnxJvpLayer} wants them.
   */
  public DualOps<Traced> tangents() {
    return new DualOps<>(
        this,
        new TangentLayout<>() {
          @Override
          public int extraAxes() {
            return 1;
          }

          @Override
          public Traced lift(Traced primal) {
            if (!primal.batched()) {
              return primal;
            }
            Shape shape = primal.shape() == null ? null : new Shape(1).addAll(primal.shape());
            return new Traced(unsqueeze(primal.name(), 1), shape, true);
          }

          /** (−1, 0, rest...): ONNX's 0 keeps the k of the tangent axis. */
          @Override
          public Shape tangentShape(Shape shape) {
            return new Shape(shape.get(0), 0).addAll(shape.slice(1));
          }
        });
  }

  @Override
  public Traced parameter(NDArray value) {
    return new Traced(graph.initializer("param", value), value.getShape(), false);
  }

  @Override
  public Traced constant(Traced like, float[] values, Shape shape) {
    return new Traced(graph.constant("const", values, shape.getShape()), shape, false);
  }

  /**
   * A constant that every sample shares, recorded once with a leading axis of 1 that ONNX's
   * broadcasting gives every sample: a batched value of per-sample shape {@code sampleShape}, for
   * tangents or probes fixed at export time.
   *
   * @param hint the constant's name in the graph (made unique)
   * @param values row-major, {@code sampleShape.size()} of them
   */
  public Traced sharedPerSample(String hint, float[] values, Shape sampleShape) {
    long[] dims = new Shape(1).addAll(sampleShape).getShape();
    return new Traced(graph.constant(hint, values, dims), sampleShape, true);
  }

  /** The constant {@code current}: {@code value} is not recorded. */
  @Override
  public Traced folded(
      Traced like, Supplier<Traced> value, Supplier<float[]> current, Shape shape) {
    return constant(like, current.get(), shape);
  }

  private static Traced broadcast(String name, Traced a, Traced b) {
    if (a.shape() == null || b.shape() == null) {
      return new Traced(name, null, a.batched() || b.batched());
    }
    long[] x = full(a);
    long[] y = full(b);
    int rank = Math.max(x.length, y.length);
    long[] out = new long[rank];
    for (int i = 0; i < rank; i++) {
      long dx = i < rank - x.length ? 1 : x[i - (rank - x.length)];
      long dy = i < rank - y.length ? 1 : y[i - (rank - y.length)];
      out[i] = dx == 1 ? dy : dx;
    }
    boolean batched = a.batched() || b.batched();
    Shape shape = stored(out, batched);
    return new Traced(name, shape, batched);
  }

  /** The shape stored for a value whose whole shape is {@code full} (−1 for a batch axis). */
  private static Shape stored(long[] full, boolean batched) {
    return new Shape(batched ? Arrays.copyOfRange(full, 1, full.length) : full);
  }

  /** The shape with the batch axis as −1, a new array the caller may change. */
  private static long[] full(Traced t) {
    t.rank(); // fails for an unknown shape
    if (!t.batched()) {
      return t.shape().getShape().clone(); // DJL hands out the Shape's own array
    }
    long[] dims = new long[t.rank()];
    dims[0] = -1;
    System.arraycopy(t.shape().getShape(), 0, dims, 1, t.shape().dimension());
    return dims;
  }

  private static Traced same(String name, Traced like) {
    return new Traced(name, like.shape(), like.batched());
  }

  @Override
  public Traced add(Traced a, Traced b) {
    return broadcast(node("Add", a.name(), b.name()), a, b);
  }

  @Override
  public Traced sub(Traced a, Traced b) {
    return broadcast(node("Sub", a.name(), b.name()), a, b);
  }

  @Override
  public Traced mul(Traced a, Traced b) {
    return broadcast(node("Mul", a.name(), b.name()), a, b);
  }

  @Override
  public Traced div(Traced a, Traced b) {
    return broadcast(node("Div", a.name(), b.name()), a, b);
  }

  @Override
  public Traced neg(Traced x) {
    return same(node("Neg", x.name()), x);
  }

  @Override
  public Traced addScalar(Traced x, double c) {
    return same(node("Add", x.name(), scalar(c)), x);
  }

  @Override
  public Traced mulScalar(Traced x, double c) {
    return same(node("Mul", x.name(), scalar(c)), x);
  }

  @Override
  public Traced minScalar(Traced x, double c) {
    return same(node("Min", x.name(), scalar(c)), x);
  }

  @Override
  public Traced positive(Traced x) {
    return same(greaterAsFloat(x.name(), scalar(0)), x);
  }

  @Override
  public Traced maxScalar(Traced x, double c) {
    return same(node("Max", x.name(), scalar(c)), x);
  }

  @Override
  public Traced abs(Traced x) {
    return same(node("Abs", x.name()), x);
  }

  @Override
  public Traced sqrt(Traced x) {
    return same(node("Sqrt", x.name()), x);
  }

  @Override
  public Traced exp(Traced x) {
    return same(node("Exp", x.name()), x);
  }

  @Override
  public Traced log(Traced x) {
    return same(node("Log", x.name()), x);
  }

  @Override
  public Traced tanh(Traced x) {
    return same(node("Tanh", x.name()), x);
  }

  @Override
  public Traced sigmoid(Traced x) {
    return same(node("Sigmoid", x.name()), x);
  }

  @Override
  public Traced softplus(Traced x) {
    return same(node("Softplus", x.name()), x);
  }

  @Override
  public Traced relu(Traced x) {
    return same(node("Relu", x.name()), x);
  }

  @Override
  public Traced elu(Traced x) {
    return same(graph.op("Elu", List.of(x.name()), Map.of("alpha", 1.0)), x);
  }

  /** One Gemm for a batch of vectors with a bias, else MatMul by the transposed weight (+ Add). */
  @Override
  public Traced linear(Traced x, Traced weight, Traced bias) {
    Shape event = x.shape();
    long out = weight.shape().get(0);
    Shape shape = event.slice(0, event.dimension() - 1).add(out);
    String y;
    if (x.batched() && event.dimension() == 1 && bias != null) {
      y = graph.op("Gemm", List.of(x.name(), weight.name(), bias.name()), Map.of("transB", 1L));
    } else {
      y = node("MatMul", x.name(), transpose(weight.name(), 1, 0));
      if (bias != null) {
        y = node("Add", y, bias.name());
      }
    }
    return new Traced(y, shape, x.batched());
  }

  /**
   * A Conv node; images with a leading tangent axis, per-sample {@code (k, c, h, w)}, are folded
   * into the batch for it and unfolded after.
   */
  @Override
  public Traced conv2d(Traced x, Traced weight, Traced bias, int pad) {
    Shape w = weight.shape();
    Shape event = x.shape();
    String b = bias == null ? null : bias.name();
    int kernel = (int) w.get(2);
    if (event.dimension() == 3) {
      Shape out =
          new Shape(
              w.get(0), event.get(1) + 2L * pad - kernel + 1, event.get(2) + 2L * pad - kernel + 1);
      return new Traced(conv(x.name(), weight.name(), b, kernel, pad), out, true);
    }
    if (event.dimension() != 4) {
      throw new IllegalArgumentException(
          "conv2d wants (c, h, w) or (k, c, h, w) samples, got " + event);
    }
    String flat = reshape(x.name(), -1, event.get(1), event.get(2), event.get(3));
    String conv = conv(flat, weight.name(), b, kernel, pad);
    Shape out =
        new Shape(
            event.get(0),
            w.get(0),
            event.get(2) + 2L * pad - kernel + 1,
            event.get(3) + 2L * pad - kernel + 1);
    String shaped = reshape(conv, -1, out.get(0), out.get(1), out.get(2), out.get(3));
    return new Traced(shaped, out, true);
  }

  @Override
  public Traced matMul(Traced a, Traced b) {
    Shape shape = null;
    if (a.shape() != null && b.shape() != null) {
      Shape left = a.shape();
      shape = left.slice(0, left.dimension() - 1).add(b.shape().get(b.shape().dimension() - 1));
    }
    return new Traced(node("MatMul", a.name(), b.name()), shape, a.batched() || b.batched());
  }

  /** One Slice node per piece, so the length of the last piece need not be known. */
  @Override
  public List<Traced> split(Traced x, int axis, long[] points) {
    List<Traced> out = new ArrayList<>(points.length + 1);
    long start = 0;
    for (int i = 0; i <= points.length; i++) {
      long end = i < points.length ? points[i] : Long.MAX_VALUE;
      out.add(slice(x, axis, start, end));
      start = end;
    }
    return out;
  }

  @Override
  public Traced concat(Traced a, Traced b, int axis) {
    Shape shape = null;
    if (a.shape() != null && b.shape() != null) {
      long[] dims = full(a);
      dims[axis] += full(b)[axis];
      shape = stored(dims, a.batched());
    }
    return new Traced(
        graph.op("Concat", List.of(a.name(), b.name()), Map.of("axis", (long) axis)),
        shape,
        a.batched());
  }

  @Override
  public Traced zerosPerSample(Traced like) {
    return new Traced(zerosPerSample(like.name()), new Shape(), true);
  }

  @Override
  public Traced perSample(Traced like, Traced value) {
    String zeros = zerosPerSample(like.name());
    return new Traced(node("Add", zeros, value.name()), new Shape(), true);
  }

  /** An Expand node to the batch size read from {@code like}'s Shape. */
  @Override
  public Traced expandBatch(Traced like, Traced value) {
    String batch = graph.op("Shape", List.of(like.name()), Map.of("start", 0L, "end", 1L));
    String target =
        graph.op(
            "Concat", List.of(batch, graph.longs(value.shape().getShape())), Map.of("axis", 0L));
    return new Traced(node("Expand", value.name(), target), value.shape(), true);
  }

  /** A Reshape node; as in ONNX, a 0 in {@code shape} keeps the input's length on that axis. */
  @Override
  public Traced reshape(Traced x, Shape shape) {
    long[] dims = shape.getShape();
    String name = reshape(x.name(), dims);
    if (x.shape() == null) {
      return new Traced(name, null, x.batched());
    }
    long[] in = full(x);
    long[] out = dims.clone();
    for (int i = 0; i < out.length; i++) {
      out[i] = out[i] == 0 ? in[i] : out[i];
    }
    return new Traced(name, stored(out, x.batched()), x.batched());
  }

  @Override
  public Traced softmax(Traced x, int axis) {
    return same(graph.op("Softmax", List.of(x.name()), Map.of("axis", (long) axis)), x);
  }

  @Override
  public Traced cumSum(Traced x, int axis) {
    String axisValue = graph.op("Constant", List.of(), Map.of("value_int", (long) axis));
    return same(node("CumSum", x.name(), axisValue), x);
  }

  @Override
  public Traced sum(Traced x, int axis) {
    return reshaped(reduceSum(x.name(), axis), x, axis, 0);
  }

  @Override
  public Traced slice(Traced x, int axis, long start, long end) {
    Shape shape = null;
    if (x.shape() != null) {
      long[] dims = full(x);
      dims[axis] = Math.min(end, dims[axis]) - start;
      shape = stored(dims, x.batched());
    }
    return new Traced(
        node("Slice", x.name(), graph.longs(start), graph.longs(end), graph.longs(axis)),
        shape,
        x.batched());
  }

  @Override
  public Traced unsqueeze(Traced x, int axis) {
    return reshaped(unsqueeze(x.name(), axis), x, axis, 1);
  }

  /** {@code x}'s shape with {@code axis} removed (length 0) or inserted with length 1. */
  private static Traced reshaped(String name, Traced x, int axis, int length) {
    if (x.shape() == null) {
      return new Traced(name, null, x.batched());
    }
    List<Long> dims = new ArrayList<>();
    for (long d : full(x)) {
      dims.add(d);
    }
    if (length == 0) {
      dims.remove(axis);
    } else {
      dims.add(axis, 1L);
    }
    long[] out = dims.stream().mapToLong(Long::longValue).toArray();
    return new Traced(name, stored(out, x.batched()), x.batched());
  }

  @Override
  public Traced transpose(Traced x, int... axes) {
    long[] perm = new long[axes.length];
    for (int i = 0; i < axes.length; i++) {
      perm[i] = axes[i];
    }
    String name = transpose(x.name(), perm);
    if (x.shape() == null) {
      return new Traced(name, null, x.batched());
    }
    long[] in = full(x);
    long[] out = new long[axes.length];
    for (int i = 0; i < axes.length; i++) {
      out[i] = in[axes[i]];
    }
    return new Traced(name, stored(out, x.batched()), x.batched());
  }

  @Override
  public Traced sumAfter(Traced x, int leading) {
    int rank = x.rank();
    if (leading >= rank) {
      return x;
    }
    long[] axes = new long[rank - leading];
    for (int i = 0; i < axes.length; i++) {
      axes[i] = leading + i;
    }
    long[] dims = full(x);
    long[] kept = Arrays.copyOfRange(dims, x.batched() ? 1 : 0, leading);
    return new Traced(reduceSum(x.name(), axes), new Shape(kept), x.batched());
  }

  /** Equal blocks by one Split node (no sizes: ONNX splits evenly), each squeezed. */
  @Override
  public List<Traced> blocks(Traced x, int axis, int count) {
    Shape shape = null;
    if (x.shape() != null) {
      long[] dims = full(x);
      long[] rest = new long[dims.length - 1];
      for (int i = 0, j = 0; i < dims.length; i++) {
        if (i != axis) {
          rest[j++] = dims[i];
        }
      }
      shape = stored(rest, x.batched());
    }
    List<Traced> out = new ArrayList<>(count);
    for (String part : graph.ops("Split", List.of(x.name()), count, Map.of("axis", (long) axis))) {
      String squeezed = node("Squeeze", part, graph.longs(axis));
      out.add(new Traced(squeezed, shape, x.batched()));
    }
    return out;
  }

  /** {@code Log(Abs(Det(A)))}: ONNX Runtime's Det is an LU in float32. */
  @Override
  public Traced logAbsDet(Traced squareMatrices) {
    String det = node("Det", squareMatrices.name());
    String name = node("Log", node("Abs", det));
    if (squareMatrices.shape() == null) {
      return new Traced(name, null, squareMatrices.batched());
    }
    long[] dims = full(squareMatrices);
    return new Traced(
        name,
        stored(Arrays.copyOf(dims, dims.length - 2), squareMatrices.batched()),
        squareMatrices.batched());
  }

  // ---- ONNX nodes: each operator's form, written once ----------------------------------------

  /** A node without attributes and with one output. */
  private String node(String opType, String... inputs) {
    return graph.op(opType, List.of(inputs), Map.of());
  }

  /** A float32 scalar constant. */
  private String scalar(double value) {
    return graph.constant("c", new float[] {(float) value});
  }

  /** 1 where a &gt; b, else 0, as float32 (broadcasting). */
  private String greaterAsFloat(String a, String b) {
    String mask = node("Greater", a, b);
    return graph.op(
        "Cast", List.of(mask), Map.of("to", (long) TensorProto.DataType.FLOAT.getNumber()));
  }

  /** {@code x} with new axes of size 1 inserted at {@code axes} (batch axis = 0). */
  private String unsqueeze(String x, long... axes) {
    return node("Unsqueeze", x, graph.longs(axes));
  }

  /** Reshape with an explicit target shape (ONNX semantics: −1 inferred, 0 copied). */
  private String reshape(String x, long... shape) {
    return node("Reshape", x, graph.longs(shape));
  }

  /** Permutes the axes. */
  private String transpose(String x, long... perm) {
    return graph.op("Transpose", List.of(x), Map.of("perm", perm));
  }

  /** Sums over {@code axes}, which disappear. */
  private String reduceSum(String x, long... axes) {
    return graph.op("ReduceSum", List.of(x, graph.longs(axes)), Map.of("keepdims", 0L));
  }

  /** Zeros of shape {@code (N)}, N taken from {@code x}'s batch axis. */
  private String zerosPerSample(String x) {
    String shape = graph.op("Shape", List.of(x), Map.of("start", 0L, "end", 1L));
    return graph.op("ConstantOfShape", List.of(shape), Map.of());
  }

  /** A stride-1 Conv with {@code pad} zeros on every side; {@code bias} may be null. */
  private String conv(String x, String weight, String bias, int kernel, int pad) {
    List<String> in = bias == null ? List.of(x, weight) : List.of(x, weight, bias);
    return graph.op(
        "Conv",
        in,
        Map.of(
            "kernel_shape",
            new long[] {kernel, kernel},
            "pads",
            new long[] {pad, pad, pad, pad},
            "strides",
            new long[] {1, 1}));
  }
}
