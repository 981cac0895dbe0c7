package org.flowlab.plugins.vi;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.ops.TensorOps;

/**
 * A layer parameter that an amortised flow produces per sample from its context c, as the VI
 * papers' encoders produce the flow's parameters: {@code base + W·c}, W a (size × k) matrix.
 * Without a context (k = 0) it is {@code base}, the same for every sample.
 *
 * <p>W starts at zero, so a conditional layer starts as the unconditional one and learns how its
 * parameters follow the context. Parameters (relative to the layer's scope): {@code name} (the
 * base, of the per-sample shape) and {@code context.name} (W, with k &gt; 0 only).
 */
final class Amortized {
  private final NDArray base;
  private final NDArray map;
  private final Shape shape;
  private final Shape flat;

  /**
   * @param scope the layer's scope
   * @param name the parameter's name
   * @param shape its shape for one sample
   * @param init how the base starts
   * @param contextDim k, features of the context (0: none)
   */
  Amortized(ParameterScope scope, String name, Shape shape, Initializer init, int contextDim) {
    this.base = scope.trainable(name, shape, init);
    this.shape = shape;
    this.flat = new Shape(shape.size());
    this.map =
        contextDim == 0
            ? null
            : scope
                .child("context")
                .trainable(name, new Shape(shape.size(), contextDim), Initializer.ZEROS);
  }

  /** The base value, the parameter itself (what an unconditional layer uses). */
  NDArray base() {
    return base;
  }

  /**
   * The value for each sample, flattened: {@code (1, size)} without a context (null), {@code (N,
   * size)} given contexts {@code (N, k)}.
   */
  <T> T flat(TensorOps<T> ops, T context) {
    if (context == null) {
      return ops.reshape(ops.parameter(base), new Shape(1, shape.size()));
    }
    T bias = ops.reshape(ops.parameter(base), flat);
    return ops.linear(context, ops.parameter(map), bias);
  }

  /**
   * The value for each sample in its own shape: {@code (1, shape...)} without a context, {@code (N,
   * shape...)} given contexts {@code (N, k)}.
   */
  <T> T value(TensorOps<T> ops, T context) {
    T values = flat(ops, context);
    return shape.dimension() == 1
        ? values
        : ops.reshape(values, new Shape(context == null ? 1 : -1).addAll(shape));
  }
}
