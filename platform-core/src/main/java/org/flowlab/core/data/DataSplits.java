package org.flowlab.core.data;

import ai.djl.ndarray.types.Shape;
import java.util.OptionalDouble;

/**
 * A dataset's three splits, each {@code n × (eventShape.size() + contextDim)} values: a point's
 * values, then (conditional data) its context.
 *
 * @param name the dataset's name
 * @param eventShape the shape of one point: (d) for vectors, (c, h, w) for images
 * @param train training points
 * @param val validation points
 * @param test test points
 * @param entropy the true differential entropy in nats, when known (the floor for test NLL)
 * @param quantization how pixel points are dequantised; null for continuous data
 * @param truth the density the points were drawn from, when it is known (the toy densities); null
 *     otherwise
 * @param contextDim features of the context each row carries after the point (the {@code c} of a
 *     conditional flow's {@code p(x | c)}); 0 for unconditional data
 */
public record DataSplits(
    String name,
    Shape eventShape,
    Points train,
    Points val,
    Points test,
    OptionalDouble entropy,
    Quantization quantization,
    ToyDensity truth,
    int contextDim) {

  /** Checks that the splits match the event shape and that pixel data has a quantization. */
  public DataSplits {
    int dim = Math.toIntExact(eventShape.size()) + contextDim;
    if (contextDim < 0 || (contextDim > 0 && quantization != null)) {
      throw new IllegalArgumentException("a context of " + contextDim + " on this data");
    }
    for (Points p : new Points[] {train, val, test}) {
      if (p.dim() != dim) {
        throw new IllegalArgumentException("split of dim " + p.dim() + " for shape " + eventShape);
      }
      if (p.quantized() && quantization == null) {
        throw new IllegalArgumentException("pixel data needs a quantization");
      }
    }
  }

  /** Unconditional data. */
  public DataSplits(
      String name,
      Shape eventShape,
      Points train,
      Points val,
      Points test,
      OptionalDouble entropy,
      Quantization quantization,
      ToyDensity truth) {
    this(name, eventShape, train, val, test, entropy, quantization, truth, 0);
  }

  /** Continuous data held as float arrays, drawn from an unknown density. */
  public static DataSplits continuous(
      String name,
      Shape eventShape,
      float[] train,
      float[] val,
      float[] test,
      OptionalDouble entropy) {
    return continuous(name, eventShape, train, val, test, entropy, null);
  }

  /** Continuous data held as float arrays, drawn from {@code truth} (null when unknown). */
  public static DataSplits continuous(
      String name,
      Shape eventShape,
      float[] train,
      float[] val,
      float[] test,
      OptionalDouble entropy,
      ToyDensity truth) {
    int context = truth == null ? 0 : truth.contextDim();
    int dim = Math.toIntExact(eventShape.size()) + context;
    return new DataSplits(
        name,
        eventShape,
        Points.of(train, dim),
        Points.of(val, dim),
        Points.of(test, dim),
        entropy,
        null,
        truth,
        context);
  }

  /** Values per point (without its context). */
  public int dim() {
    return Math.toIntExact(eventShape.size());
  }

  /** Values per row of a split: the point and its context. */
  public int rowDim() {
    return dim() + contextDim;
  }

  /** Whether every point comes with a context (data for a conditional flow). */
  public boolean conditional() {
    return contextDim > 0;
  }

  /** Whether this is dequantised pixel data (images), reported in bits/dim. */
  public boolean quantized() {
    return quantization != null;
  }

  /** Whether points are images, shape (c, h, w). */
  public boolean images() {
    return eventShape.dimension() == 3;
  }
}
