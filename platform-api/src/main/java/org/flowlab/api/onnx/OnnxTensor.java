package org.flowlab.api.onnx;

import ai.djl.ndarray.types.Shape;

/**
 * A batched float tensor in an {@link OnnxGraph}: the name of the value and the shape of one sample
 * (the batch axis, dynamic, comes first and is not part of {@code eventShape}).
 *
 * @param name the value's name in the graph
 * @param eventShape the per-sample shape, e.g. {@code (d)} or {@code (c, h, w)}
 */
public record OnnxTensor(String name, Shape eventShape) {
  /** Another value of the same per-sample shape. */
  public OnnxTensor with(String otherName) {
    return new OnnxTensor(otherName, eventShape);
  }

  /** Elements per sample. */
  public long size() {
    return eventShape.size();
  }
}
