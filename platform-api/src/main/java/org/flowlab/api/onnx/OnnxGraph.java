package org.flowlab.api.onnx;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds one ONNX model (opset {@value #OPSET}, IR version {@value #IR_VERSION}) over the generated
 * ONNX protos: inputs and outputs with a dynamic batch axis named {@value #BATCH}, float32
 * initializers from NDArrays, and one helper per operator that flows need. Every helper adds a node
 * and returns the name of its (fresh, unique) output value; names derive from a hint so graphs stay
 * readable ({@code step.0.coupling.net.0.weight}, {@code Tanh_12}).
 *
 * <p>Not thread-safe; build one graph per thread.
 */
public final class OnnxGraph {
  /** The default ONNX operator set: 17, supported by ONNX Runtime 1.13 and later. */
  public static final int OPSET = 17;

  /** The IR version that goes with opset 17. */
  public static final int IR_VERSION = 8;

  /** The symbolic name of the dynamic batch axis. */
  public static final String BATCH = "N";

  private final GraphProto.Builder graph = GraphProto.newBuilder();
  private final Map<String, Integer> used = new HashMap<>();
  private final Map<NDArray, String> initializers = new IdentityHashMap<>();
  private final String name;

  /**
   * @param name the graph's name, e.g. {@code log_prob}
   */
  public OnnxGraph(String name) {
    this.name = name;
    graph.setName(name);
  }

  // ---- names, inputs, outputs, constants ----------------------------------------------------

  /** A name not used before in this graph, derived from {@code hint}. */
  public String fresh(String hint) {
    String base = hint == null || hint.isBlank() ? "v" : hint;
    Integer n = used.get(base);
    if (n == null) {
      used.put(base, 1);
      return base;
    }
    String candidate;
    do {
      candidate = base + "_" + n++;
    } while (used.containsKey(candidate));
    used.put(base, n);
    used.put(candidate, 1);
    return candidate;
  }

  /** Declares a float input of shape {@code (N, eventShape...)}. */
  public OnnxTensor input(String inputName, Shape eventShape) {
    claim(inputName);
    graph.addInput(valueInfo(inputName, eventShape, true));
    return new OnnxTensor(inputName, eventShape);
  }

  /** Declares a float scalar input (rank 0), e.g. a sampling temperature. */
  public String scalarInput(String inputName) {
    claim(inputName);
    graph.addInput(valueInfo(inputName, new Shape(), false));
    return inputName;
  }

  /** Declares {@code value} as the graph output {@code outputName}, shape {@code (N, event...)}. */
  public void output(String outputName, OnnxTensor value) {
    output(outputName, value.name(), value.eventShape());
  }

  /** Declares a per-sample value, shape {@code (N)}, as the graph output {@code outputName}. */
  public void output(String outputName, String value) {
    output(outputName, value, new Shape());
  }

  private void output(String outputName, String value, Shape eventShape) {
    claim(outputName);
    node("Identity", List.of(value), List.of(outputName), Map.of());
    graph.addOutput(valueInfo(outputName, eventShape, true));
  }

  /**
   * A float32 initializer holding {@code value} (converted to float32); an array already added to
   * this graph is reused. Named after the array's name (parameters carry theirs) or {@code hint}.
   */
  public String initializer(String hint, NDArray value) {
    String existing = initializers.get(value);
    if (existing != null) {
      return existing;
    }
    String arrayName = value.getName();
    String n = fresh(arrayName != null && !arrayName.isBlank() ? arrayName : hint);
    float[] data =
        value.getDataType() == DataType.FLOAT32
            ? value.toFloatArray()
            : value.toType(DataType.FLOAT32, false).toFloatArray();
    graph.addInitializer(floatTensor(n, data, value.getShape().getShape()));
    initializers.put(value, n);
    return n;
  }

  /** A float32 constant of the given shape (row-major values). */
  public String constant(String hint, float[] values, long... dims) {
    String n = fresh(hint);
    graph.addInitializer(floatTensor(n, values, dims));
    return n;
  }

  /** A float32 scalar constant. */
  public String scalar(double value) {
    return constant("c", new float[] {(float) value});
  }

  /** An int64 vector constant (shapes, axes, split sizes, slice bounds). */
  public String longs(long... values) {
    String n = fresh("i64");
    graph.addInitializer(
        TensorProto.newBuilder()
            .setName(n)
            .setDataType(TensorProto.DataType.INT64.getNumber())
            .addDims(values.length)
            .addAllInt64Data(Arrays.stream(values).boxed().toList())
            .build());
    return n;
  }

  // ---- generic nodes ------------------------------------------------------------------------

  /**
   * Adds a node with one output.
   *
   * @param opType the ONNX operator, e.g. {@code Add}
   * @param inputs input value names ("" for an absent optional input)
   * @param attributes attribute values: Long/Integer, Double/Float, String, long[], float[]
   * @return the output's name
   */
  public String op(String opType, List<String> inputs, Map<String, Object> attributes) {
    return ops(opType, inputs, 1, attributes).get(0);
  }

  /** Adds a node with {@code outputs} outputs and returns their names. */
  public List<String> ops(
      String opType, List<String> inputs, int outputs, Map<String, Object> attributes) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < outputs; i++) {
      names.add(fresh(opType));
    }
    node(opType, inputs, names, attributes);
    return names;
  }

  private void node(
      String opType, List<String> inputs, List<String> outputs, Map<String, Object> attributes) {
    NodeProto.Builder node =
        NodeProto.newBuilder()
            .setOpType(opType)
            .setName(fresh("node_" + opType))
            .addAllInput(inputs)
            .addAllOutput(outputs);
    attributes.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> node.addAttribute(attribute(e.getKey(), e.getValue())));
    graph.addNode(node);
  }

  // ---- elementwise --------------------------------------------------------------------------

  /** a + b (broadcasting). */
  public String add(String a, String b) {
    return op("Add", List.of(a, b), Map.of());
  }

  /** a − b (broadcasting). */
  public String sub(String a, String b) {
    return op("Sub", List.of(a, b), Map.of());
  }

  /** a · b (broadcasting). */
  public String mul(String a, String b) {
    return op("Mul", List.of(a, b), Map.of());
  }

  /** a / b (broadcasting). */
  public String div(String a, String b) {
    return op("Div", List.of(a, b), Map.of());
  }

  /** −x. */
  public String neg(String x) {
    return op("Neg", List.of(x), Map.of());
  }

  /** exp(x). */
  public String exp(String x) {
    return op("Exp", List.of(x), Map.of());
  }

  /** ln(x). */
  public String log(String x) {
    return op("Log", List.of(x), Map.of());
  }

  /** tanh(x). */
  public String tanh(String x) {
    return op("Tanh", List.of(x), Map.of());
  }

  /** 1 / (1 + exp(−x)). */
  public String sigmoid(String x) {
    return op("Sigmoid", List.of(x), Map.of());
  }

  /** max(x, 0). */
  public String relu(String x) {
    return op("Relu", List.of(x), Map.of());
  }

  /** x for x &gt; 0, alpha·(exp(x) − 1) otherwise. */
  public String elu(String x, double alpha) {
    return op("Elu", List.of(x), Map.of("alpha", alpha));
  }

  /** log(1 + exp(x)). */
  public String softplus(String x) {
    return op("Softplus", List.of(x), Map.of());
  }

  /** |x|. */
  public String abs(String x) {
    return op("Abs", List.of(x), Map.of());
  }

  /** x². */
  public String square(String x) {
    return mul(x, x);
  }

  /** min(a, b) elementwise (broadcasting). */
  public String min(String a, String b) {
    return op("Min", List.of(a, b), Map.of());
  }

  /** 1 where a &gt; b, else 0, as float32 (broadcasting). */
  public String greaterAsFloat(String a, String b) {
    String mask = op("Greater", List.of(a, b), Map.of());
    return op("Cast", List.of(mask), Map.of("to", (long) TensorProto.DataType.FLOAT.getNumber()));
  }

  /** {@code x} with new axes of size 1 inserted at {@code axes} (batch axis = 0). */
  public String unsqueeze(String x, long... axes) {
    return op("Unsqueeze", List.of(x, longs(axes)), Map.of());
  }

  /** x + c for a float constant c. */
  public String addScalar(String x, double c) {
    return add(x, scalar(c));
  }

  /** x · c for a float constant c. */
  public String mulScalar(String x, double c) {
    return mul(x, scalar(c));
  }

  // ---- linear algebra -----------------------------------------------------------------------

  /** Matrix product (numpy semantics). */
  public String matMul(String a, String b) {
    return op("MatMul", List.of(a, b), Map.of());
  }

  /** {@code a·bᵀ + c} when {@code transB}, else {@code a·b + c}; a and b are 2-D. */
  public String gemm(String a, String b, String c, boolean transB) {
    List<String> in = c == null ? List.of(a, b) : List.of(a, b, c);
    return op("Gemm", in, transB ? Map.of("transB", 1L) : Map.of());
  }

  /**
   * A 2-D convolution on {@code (N, C, H, W)} with stride 1.
   *
   * @param weight {@code (out, in, k, k)}
   * @param bias {@code (out)}, or null
   * @param kernel k
   * @param pad zero padding on every side
   */
  public String conv(String x, String weight, String bias, int kernel, int pad) {
    List<String> in = bias == null ? List.of(x, weight) : List.of(x, weight, bias);
    return op(
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

  // ---- shapes -------------------------------------------------------------------------------

  /** Reshape to {@code (N, eventShape...)}: the batch axis stays. */
  public OnnxTensor reshape(OnnxTensor x, Shape eventShape) {
    long[] dims = new long[eventShape.dimension() + 1];
    dims[0] = -1;
    System.arraycopy(eventShape.getShape(), 0, dims, 1, eventShape.dimension());
    if (eventShape.size() == 0) {
      throw new IllegalArgumentException("cannot reshape to an empty event " + eventShape);
    }
    return new OnnxTensor(reshape(x.name(), dims), eventShape);
  }

  /** Reshape with an explicit target shape (ONNX semantics: −1 inferred, 0 copied). */
  public String reshape(String x, long... shape) {
    return op("Reshape", List.of(x, longs(shape)), Map.of());
  }

  /** Flattens every sample: {@code (N, ...) → (N, size)}. */
  public OnnxTensor flatten(OnnxTensor x) {
    return x.eventShape().dimension() == 1 ? x : reshape(x, new Shape(x.size()));
  }

  /** Permutes the axes. */
  public String transpose(String x, long... perm) {
    return op("Transpose", List.of(x), Map.of("perm", perm));
  }

  /** {@code x[..., start:end, ...]} along {@code axis} (batch axis = 0). */
  public String slice(String x, int axis, long start, long end) {
    return op("Slice", List.of(x, longs(start), longs(end), longs(axis)), Map.of());
  }

  /** Splits along {@code axis} into pieces of the given sizes. */
  public List<String> split(String x, int axis, long... sizes) {
    return ops("Split", List.of(x, longs(sizes)), sizes.length, Map.of("axis", (long) axis));
  }

  /** Concatenates along {@code axis}. */
  public String concat(int axis, String... parts) {
    return op("Concat", List.of(parts), Map.of("axis", (long) axis));
  }

  /** Sums over {@code axes}; without {@code keepDims} they disappear. */
  public String reduceSum(String x, boolean keepDims, long... axes) {
    return op("ReduceSum", List.of(x, longs(axes)), Map.of("keepdims", keepDims ? 1L : 0L));
  }

  /** The per-sample sum over every non-batch axis: {@code (N, ...) → (N)}. */
  public String sumPerSample(OnnxTensor x) {
    return reduceSum(flatten(x).name(), false, 1);
  }

  /** Zeros of shape {@code (N)}, N taken from {@code x}'s batch axis: an empty log-det. */
  public String zerosPerSample(OnnxTensor x) {
    String shape = op("Shape", List.of(x.name()), Map.of("start", 0L, "end", 1L));
    return op("ConstantOfShape", List.of(shape), Map.of());
  }

  /** {@code c} broadcast to shape {@code (N)}, N taken from {@code x}: a constant log-det. */
  public String perSample(OnnxTensor x, String scalarValue) {
    return add(zerosPerSample(x), scalarValue);
  }

  /** A copy of {@code x} under a new name. */
  public String identity(String x) {
    return op("Identity", List.of(x), Map.of());
  }

  // ---- the model ----------------------------------------------------------------------------

  /** The model proto: this graph, opset {@value #OPSET}, producer {@code flowlab}. */
  public ModelProto model() {
    return ModelProto.newBuilder()
        .setIrVersion(IR_VERSION)
        .setProducerName("flowlab")
        .setProducerVersion("0.1.0")
        .setDomain("org.flowlab")
        .setModelVersion(1)
        .setDocString("Flowlab export: " + name)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
        .setGraph(graph.build())
        .build();
  }

  /** The serialised model ({@code .onnx} bytes). */
  public byte[] toBytes() {
    return model().toByteArray();
  }

  /** Number of nodes so far. */
  public int nodeCount() {
    return graph.getNodeCount();
  }

  // ---- helpers ------------------------------------------------------------------------------

  private void claim(String exact) {
    if (used.containsKey(exact)) {
      throw new IllegalArgumentException("name " + exact + " is used twice in graph " + name);
    }
    used.put(exact, 1);
  }

  private static ValueInfoProto valueInfo(String n, Shape eventShape, boolean batched) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    if (batched) {
      shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(BATCH));
    }
    for (long d : eventShape.getShape()) {
      shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    return ValueInfoProto.newBuilder()
        .setName(n)
        .setType(
            TypeProto.newBuilder()
                .setTensorType(
                    TypeProto.Tensor.newBuilder()
                        .setElemType(TensorProto.DataType.FLOAT.getNumber())
                        .setShape(shape)))
        .build();
  }

  private static TensorProto floatTensor(String n, float[] values, long[] dims) {
    long size = 1;
    for (long d : dims) {
      size *= d;
    }
    if (size != values.length) {
      throw new IllegalArgumentException(
          n + ": " + values.length + " values for shape " + Arrays.toString(dims));
    }
    java.nio.ByteBuffer raw =
        java.nio.ByteBuffer.allocate(4 * values.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    raw.asFloatBuffer().put(values);
    TensorProto.Builder t =
        TensorProto.newBuilder()
            .setName(n)
            .setDataType(TensorProto.DataType.FLOAT.getNumber())
            .setRawData(com.google.protobuf.ByteString.copyFrom(raw.array()));
    for (long d : dims) {
      t.addDims(d);
    }
    return t.build();
  }

  private static AttributeProto attribute(String n, Object v) {
    AttributeProto.Builder a = AttributeProto.newBuilder().setName(n);
    if (v instanceof Long || v instanceof Integer) {
      a.setType(AttributeProto.AttributeType.INT).setI(((Number) v).longValue());
    } else if (v instanceof Double || v instanceof Float) {
      a.setType(AttributeProto.AttributeType.FLOAT).setF(((Number) v).floatValue());
    } else if (v instanceof String s) {
      a.setType(AttributeProto.AttributeType.STRING)
          .setS(com.google.protobuf.ByteString.copyFromUtf8(s));
    } else if (v instanceof long[] ints) {
      a.setType(AttributeProto.AttributeType.INTS);
      for (long i : ints) {
        a.addInts(i);
      }
    } else if (v instanceof float[] floats) {
      a.setType(AttributeProto.AttributeType.FLOATS);
      for (float f : floats) {
        a.addFloats(f);
      }
    } else {
      throw new IllegalArgumentException("unsupported attribute " + n + ": " + v);
    }
    return a.build();
  }
}
