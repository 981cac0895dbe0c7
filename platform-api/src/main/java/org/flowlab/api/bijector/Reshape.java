package org.flowlab.api.bijector;

import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.ops.Mapped;
import org.flowlab.api.ops.TensorOps;

/**
 * A reshape of each sample between two shapes of the same size, in row-major order: forward (data →
 * latent) {@code from → to}, inverse {@code to → from}. It moves no values, so the log-det is 0 and
 * both directions are exact. NICE flattens images with it; multi-scale flows (RealNVP, Glow) give
 * the flat latent of their factor-outs the data's shape.
 */
public final class Reshape implements DefinedBijector {
  private final Shape batchedFrom;
  private final Shape batchedTo;

  /**
   * @param from the shape of one sample on the data side, without the batch axis
   * @param to the shape on the latent side, with the same number of elements
   */
  public Reshape(Shape from, Shape to) {
    if (from.size() != to.size()) {
      throw new IllegalArgumentException("cannot reshape " + from + " to " + to);
    }
    this.batchedFrom = new Shape(-1).addAll(from);
    this.batchedTo = new Shape(-1).addAll(to);
  }

  /**
   * {@code vectorSteps}, written for vectors (d), run on data of {@code eventShape}: for images (c,
   * h, w) behind a flattening to (c·h·w) and followed by its undo, so the latent keeps the data's
   * shape (the base factorises over every axis, so its density is that of the vector); for vectors
   * the steps themselves. How NICE, MAF and IAF take flattened images, as in their papers.
   */
  public static List<Bijector> flattened(Shape eventShape, List<Bijector> vectorSteps) {
    if (eventShape.dimension() == 1) {
      return List.copyOf(vectorSteps);
    }
    Shape vector = new Shape(eventShape.size());
    List<Bijector> steps = new ArrayList<>();
    steps.add(new Reshape(eventShape, vector));
    steps.addAll(vectorSteps);
    steps.add(new Reshape(vector, eventShape));
    return steps;
  }

  @Override
  public <T> Mapped<T> forward(TensorOps<T> ops, T x) {
    return new Mapped<>(ops.reshape(x, batchedTo), ops.zerosPerSample(x));
  }

  @Override
  public <T> T inverse(TensorOps<T> ops, T z) {
    return ops.reshape(z, batchedFrom);
  }
}
