package org.flowlab.api.ops;

import ai.djl.ndarray.types.Shape;

/**
 * How tangents sit next to their primal values in a {@link DualOps} interpretation: eagerly one
 * tangent shaped like its value; in an ONNX graph {@code k} tangents per sample, shape {@code (N,
 * k, event...)}, so a value enters a tangent product broadcast over the tangent axis.
 *
 * @param <T> the value type of the underlying interpretation
 */
public interface TangentLayout<T> {
  /** The number of axes tangents carry between the batch axis and the event axes. */
  int extraAxes();

  /** {@code primal} broadcastable against tangents. */
  T lift(T primal);

  /** The target shape that reshapes tangents as {@code shape} reshapes their batched value. */
  Shape tangentShape(Shape shape);

  /** One tangent per value, shaped like it. */
  @SuppressWarnings("unchecked")
  static <T> TangentLayout<T> same() {
    return (TangentLayout<T>) Same.INSTANCE;
  }

  /** The layout of {@link #same()}: no extra axes, values lift as they are. */
  enum Same implements TangentLayout<Object> {
    INSTANCE;

    @Override
    public int extraAxes() {
      return 0;
    }

    @Override
    public Object lift(Object primal) {
      return primal;
    }

    @Override
    public Shape tangentShape(Shape shape) {
      return shape;
    }
  }
}
