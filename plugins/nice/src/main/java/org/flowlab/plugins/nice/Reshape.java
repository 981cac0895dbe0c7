package org.flowlab.plugins.nice;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;

/**
 * A reshape of each sample from one shape to another of the same size, in row-major order (e.g. (c,
 * h, w) → (c·h·w), the flattening NICE applies to images). It moves no values, so the log-det is 0
 * and both directions are exact. Forward (data → latent): {@code from → to}; inverse: {@code to →
 * from}.
 */
final class Reshape implements Bijector {
  private final Shape from;
  private final Shape to;

  /**
   * @param from the shape of one sample on the data side, without the batch axis
   * @param to the shape on the latent side, with the same number of elements
   */
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
    NDArray logDet = x.getManager().zeros(new Shape(n), x.getDataType());
    return new Transformed(x.reshape(batched(n, to)), logDet, LogDetMode.EXACT);
  }

  @Override
  public NDArray inverse(NDArray z) {
    return z.reshape(batched(z.getShape().get(0), from));
  }

  private static Shape batched(long n, Shape event) {
    return new Shape(n).addAll(event);
  }
}
