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
 * Records one ONNX model (opset {@value #OPSET}, IR version {@value #IR_VERSION}) over the
 * generated ONNX protos: inputs and outputs with a dynamic batch axis named {@value #BATCH},
 * float32 initializers from NDArrays and constants, and nodes by operator name ({@link #op}). Each
 * returns the name of its (fresh, unique) value; names derive from a hint so graphs stay readable
 * ({@code step.0.coupling.net.0.weight}, {@code Tanh_12}).
 *
 * <p>This is the recorder only. The operators flows use, with the shapes of their results, are
 * {@code org.flowlab.api.ops.OnnxOps}, the ONNX interpretation of the ops every layer and bijector
 * is written in: each operator's ONNX form is written there once.
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
