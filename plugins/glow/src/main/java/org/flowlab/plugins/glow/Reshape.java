package org.flowlab.plugins.glow;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;

/**
 * Forward (data → latent) reshapes each event from {@code from} to {@code to} (same size); log-det
 * 0. The last step of a multi-scale Glow: it gives the flat latent of the factor-outs the shape of
 * the data, so the latent of a Glow has the data's shape.
 */
final class Reshape implements Bijector {
  private final Shape from;
  private final Shape to;

  Reshape(Shape from, Shape to) {
    if (from.size() != to.size()) {
      throw new IllegalArgumentException("cannot reshape " + from + " to " + to);
    }
    this.from = from;
    this.to = to;
  }

  @Override
  public Transformed forward(NDArray x, LogDetMode mode) {
    long n = x.getShape().get(0);
    return new Transformed(
        x.reshape(new Shape(n).addAll(to)),
        x.getManager().zeros(new Shape(n), x.getDataType()),
        LogDetMode.EXACT);
  }

  @Override
  public NDArray inverse(NDArray z) {
    return z.reshape(new Shape(z.getShape().get(0)).addAll(from));
  }
}
