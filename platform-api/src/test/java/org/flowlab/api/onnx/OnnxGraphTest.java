package org.flowlab.api.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The graph builder: what it writes into the protos, read back from the serialised bytes. */
class OnnxGraphTest {
  @Test
  void modelHeaderInputsAndOutputsWithADynamicBatchAxis() throws Exception {
    OnnxGraph g = new OnnxGraph("log_prob");
    OnnxTensor x = g.input("x", new Shape(3, 4, 4));
    String t = g.scalarInput("temperature");
    g.output("y", x.with(g.op("Mul", List.of(x.name(), t), Map.of())));
    g.output("s", g.op("ReduceSum", List.of(x.name(), g.longs(1, 2, 3)), Map.of("keepdims", 0L)));
    ModelProto m = ModelProto.parseFrom(g.toBytes());
    assertEquals(OnnxGraph.IR_VERSION, m.getIrVersion());
    assertEquals(1, m.getOpsetImportCount());
    assertEquals(17, m.getOpsetImport(0).getVersion());
    assertEquals("", m.getOpsetImport(0).getDomain());
    GraphProto graph = m.getGraph();
    assertEquals("log_prob", graph.getName());
    ValueInfoProto in = graph.getInput(0);
    assertEquals("x", in.getName());
    var dims = in.getType().getTensorType().getShape().getDimList();
    assertEquals(4, dims.size());
    assertEquals(OnnxGraph.BATCH, dims.get(0).getDimParam());
    assertEquals(3, dims.get(1).getDimValue());
    assertEquals(
        TensorProto.DataType.FLOAT.getNumber(), in.getType().getTensorType().getElemType());
    assertEquals(0, graph.getInput(1).getType().getTensorType().getShape().getDimCount());
    assertEquals(
        List.of("y", "s"), graph.getOutputList().stream().map(ValueInfoProto::getName).toList());
    assertEquals(1, graph.getOutput(1).getType().getTensorType().getShape().getDimCount());
  }

  @Test
  void everyValueAndNodeNameIsUnique() throws Exception {
    OnnxGraph g = new OnnxGraph("names");
    OnnxTensor x = g.input("x", new Shape(2));
    String v = x.name();
    for (int i = 0; i < 20; i++) {
      String tanh = g.op("Tanh", List.of(v), Map.of());
      v = g.op("Add", List.of(tanh, g.constant("c", new float[] {i})), Map.of());
    }
    g.output("out", x.with(v));
    GraphProto graph = ModelProto.parseFrom(g.toBytes()).getGraph();
    Set<String> values = new HashSet<>();
    values.add("x");
    graph.getInitializerList().forEach(i -> assertTrue(values.add(i.getName()), i.getName()));
    Set<String> nodes = new HashSet<>();
    for (NodeProto n : graph.getNodeList()) {
      assertTrue(nodes.add(n.getName()), n.getName());
      n.getOutputList().forEach(o -> assertTrue(values.add(o), o));
      n.getInputList().forEach(i -> assertTrue(values.contains(i), "defined before use: " + i));
    }
    assertEquals(41, graph.getNodeCount()); // 20 Tanh, 20 Add, 1 Identity
    assertThrows(IllegalArgumentException.class, () -> g.input("x", new Shape(2)));
  }

  @Test
  void initializersHoldFloat32ValuesOncePerArray() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray w = manager.create(new double[] {1.5, -2.25, 3, 4}, new Shape(2, 2));
      w.setName("net.0.weight");
      OnnxGraph g = new OnnxGraph("init");
      OnnxTensor x = g.input("x", new Shape(2));
      String a = g.initializer("w", w);
      String b = g.initializer("w", w);
      assertEquals(a, b, "the same array is one initializer");
      assertEquals("net.0.weight", a);
      g.output("y", x.with(g.op("Gemm", List.of(x.name(), a), Map.of("transB", 1L))));
      TensorProto t = ModelProto.parseFrom(g.toBytes()).getGraph().getInitializer(0);
      assertEquals(TensorProto.DataType.FLOAT.getNumber(), t.getDataType());
      assertEquals(List.of(2L, 2L), t.getDimsList());
      float[] values = new float[4];
      ByteBuffer.wrap(t.getRawData().toByteArray())
          .order(ByteOrder.LITTLE_ENDIAN)
          .asFloatBuffer()
          .get(values);
      assertArrayEquals(new float[] {1.5f, -2.25f, 3f, 4f}, values);
    }
  }

  @Test
  void nodesWriteTheirOperandsAttributesAndOutputs() throws Exception {
    OnnxGraph g = new OnnxGraph("shapes");
    OnnxTensor x = g.input("x", new Shape(16));
    List<String> halves = g.ops("Split", List.of(x.name(), g.longs(8, 8)), 2, Map.of("axis", 1L));
    assertEquals(2, halves.size());
    String back = g.op("Concat", List.of(halves.get(1), halves.get(0)), Map.of("axis", 1L));
    g.output("y", x.with(back));
    GraphProto graph = ModelProto.parseFrom(g.toBytes()).getGraph();
    NodeProto split = graph.getNode(0);
    assertEquals("Split", split.getOpType());
    TensorProto sizes =
        graph.getInitializerList().stream()
            .filter(i -> i.getName().equals(split.getInput(1)))
            .findFirst()
            .orElseThrow();
    assertEquals(TensorProto.DataType.INT64.getNumber(), sizes.getDataType());
    assertEquals(List.of(8L, 8L), sizes.getInt64DataList());
    assertEquals("axis", split.getAttribute(0).getName());
    assertEquals(1, split.getAttribute(0).getI());
    assertEquals(halves, split.getOutputList());
    NodeProto concat = graph.getNode(1);
    assertEquals(List.of(halves.get(1), halves.get(0)), concat.getInputList());
  }

  @Test
  void aPartWithoutTheContractIsNamedInTheError() {
    OnnxGraph g = new OnnxGraph("err");
    OnnxTensor x = g.input("x", new Shape(2));
    Object plain = new Object();
    OnnxExportException e =
        assertThrows(OnnxExportException.class, () -> OnnxBijector.forward(plain, g, x));
    assertTrue(e.getMessage().startsWith("java.lang.Object cannot be exported"), e.getMessage());
    assertTrue(e.getMessage().contains("OnnxBijector"), e.getMessage());
    assertThrows(OnnxExportException.class, () -> OnnxLayer.emit(plain, g, x));
  }
}
