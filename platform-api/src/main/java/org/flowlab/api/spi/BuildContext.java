package org.flowlab.api.spi;

import ai.djl.ndarray.types.Shape;
import org.flowlab.api.nn.ParameterScope;

/**
 * What the host hands a family when it builds a flow.
 *
 * @param eventShape the shape of one data point, without the batch axis: (d) for vectors, (c, h, w)
 *     for images
 * @param parameters the root scope the flow registers its parameters in (device and seed come with
 *     it)
 * @param contextDim features of the context a conditional flow is built for (every conditioner
 *     reads it), 0 for an unconditional flow. The host derives it from the data ({@code
 *     data.condition}); a family that cannot condition builds its flow as usual, and the host
 *     refuses the pair because the flow's {@code contextDim()} is 0.
 */
public record BuildContext(Shape eventShape, ParameterScope parameters, int contextDim) {
  /** Checks the context size. */
  public BuildContext {
    if (contextDim < 0) {
      throw new IllegalArgumentException("contextDim must be >= 0, got " + contextDim);
    }
  }

  /** An unconditional flow's context. */
  public BuildContext(Shape eventShape, ParameterScope parameters) {
    this(eventShape, parameters, 0);
  }

  /**
   * Whether the event is an image {@code (c, h, w)} rather than a vector {@code (d)}: the dispatch
   * of a family that builds both.
   *
   * @param family the family's name, for the message
   * @throws FamilyBuildException for any other shape: "{@code <family>} supports vectors (d) and
   *     images (c, h, w), got event shape …"
   */
  public boolean isImage(String family) {
    if (eventShape.dimension() != 1 && eventShape.dimension() != 3) {
      throw new FamilyBuildException(
          null,
          family + " supports vectors (d) and images (c, h, w), got event shape " + eventShape);
    }
    return eventShape.dimension() == 3;
  }

  /**
   * Refuses a context for anything but vectors: the families whose conditioners read a context do
   * so for vector data only.
   *
   * @param family the family's name, for the message
   * @throws FamilyBuildException "{@code <family>} reads a context with vector data only, not
   *     images …" when {@link #contextDim()} &gt; 0 and the event is not a vector
   */
  public void requireVectorsForContext(String family) {
    if (contextDim > 0 && eventShape.dimension() != 1) {
      throw new FamilyBuildException(
          null, family + " reads a context with vector data only, not images " + eventShape);
    }
  }
}
