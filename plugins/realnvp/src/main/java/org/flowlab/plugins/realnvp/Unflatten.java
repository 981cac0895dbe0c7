package org.flowlab.plugins.realnvp;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;

/**
 * A reshape with log-det 0: forward (data → latent) turns the flat output of a factor-out back into
 * the image shape, so the multi-scale flow's latent has the shape of its data (the latent is
 * i.i.d., its layout is a convention). Inverse flattens.
 */
final class Unflatten implements Bijector {
  private final Shape shape;

  /**
   * @param shape the shape of one output
   */
  Unflatten(Shape shape) {
    this.shape = shape;
  }

  @Override
  public Transformed forward(NDArray x, LogDetMode mode) {
    long n = x.getShape().get(0);
    return new Transformed(
        x.reshape(new Shape(n).addAll(shape)),
        x.getManager().zeros(new Shape(n), x.getDataType()),
        LogDetMode.EXACT);
  }

  @Override
  public NDArray inverse(NDArray z) {
    return z.reshape(z.getShape().get(0), -1);
  }
}
