package org.flowlab.api.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Where a root {@link ParameterScope} keeps its trainable parameters. Without one each parameter is
 * its own tensor; the host supplies one that packs them into a single buffer with a view per
 * parameter, so that an optimizer updates, measures and clears every parameter in one native call.
 */
public interface ParameterStorage {
  /**
   * The tensor layers compute with for the trainable parameter {@code name} of {@code shape},
   * holding {@code values}; gradients flow through it to the storage.
   */
  NDArray allocate(String name, Shape shape, float[] values);

  /**
   * Copies {@code source} (same shape, float32) into parameter {@code name} in place, outside
   * autograd (initialisation, checkpoint restore).
   */
  void write(String name, NDArray source);
}
