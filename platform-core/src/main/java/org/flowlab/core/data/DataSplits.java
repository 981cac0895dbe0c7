package org.flowlab.core.data;

import ai.djl.ndarray.types.Shape;
import java.util.OptionalDouble;

/**
 * A dataset's three splits as row-major float arrays of {@code n × eventShape.size()} values.
 *
 * @param name the dataset's name
 * @param eventShape the shape of one point, e.g. (2)
 * @param train training points
 * @param val validation points
 * @param test test points
 * @param entropy the true differential entropy in nats, when known (the floor for test NLL)
 */
public record DataSplits(
    String name,
    Shape eventShape,
    float[] train,
    float[] val,
    float[] test,
    OptionalDouble entropy) {

  /** Values per point. */
  public int dim() {
    return Math.toIntExact(eventShape.size());
  }

  /** Points in a split. */
  public static int count(float[] split, Shape eventShape) {
    return Math.toIntExact(split.length / eventShape.size());
  }
}
