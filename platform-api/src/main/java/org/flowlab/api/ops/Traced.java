package org.flowlab.api.ops;

import ai.djl.ndarray.types.Shape;
import org.flowlab.api.onnx.OnnxTensor;

/**
 * A value recorded in an ONNX graph by {@link OnnxOps}: its name and shape.
 *
 * @param name the value's name in the graph
 * @param shape the per-sample shape when {@code batched} (the dynamic batch axis comes first and is
 *     not part of it), else the whole shape (a parameter or a constant)
 * @param batched whether the value has the batch axis
 */
public record Traced(String name, Shape shape, boolean batched) {
  /** The batched value {@code tensor}. */
  public static Traced of(OnnxTensor tensor) {
    return new Traced(tensor.name(), tensor.eventShape(), true);
  }

  /** The batched per-sample scalar {@code name}, shape {@code (N)}: an emitted log-det, say. */
  public static Traced perSample(String name) {
    return new Traced(name, new Shape(), true);
  }

  /** The batched value {@code name} whose shape is not known: elementwise ops and blocks only. */
  public static Traced named(String name) {
    return new Traced(name, null, true);
  }

  /** This batched value as an {@link OnnxTensor}. */
  public OnnxTensor tensor() {
    if (!batched) {
      throw new IllegalStateException(name + " has no batch axis");
    }
    if (shape == null) {
      throw new IllegalStateException(name + " has no known shape");
    }
    return new OnnxTensor(name, shape);
  }

  /** The rank with the batch axis counted. */
  int rank() {
    if (shape == null) {
      throw new IllegalStateException(name + " has no known shape");
    }
    return shape.dimension() + (batched ? 1 : 0);
  }
}
