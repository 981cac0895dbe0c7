package org.flowlab.api.nn;

import ai.djl.ndarray.NDArray;

/**
 * A named tensor a flow owns: a trainable weight, or a buffer saved with the weights but not
 * trained (such as actnorm's "initialised" flag). Names are dotted paths ({@code
 * coupling.3.net.0.weight}) and key checkpoints.
 */
public final class Parameter {
  private final String name;
  private final NDArray value;
  private final boolean trainable;

  Parameter(String name, NDArray value, boolean trainable) {
    this.name = name;
    this.value = value;
    this.trainable = trainable;
    if (trainable) {
      value.setRequiresGradient(true);
    }
  }

  /** The dotted path that names this parameter in checkpoints and exports. */
  public String name() {
    return name;
  }

  /** The live tensor; optimizers update it in place. */
  public NDArray value() {
    return value;
  }

  /** Whether the optimizer updates this parameter (false for buffers). */
  public boolean trainable() {
    return trainable;
  }

  /** Copies {@code source} into this parameter in place, keeping its gradient attachment. */
  public void assign(NDArray source) {
    if (!source.getShape().equals(value.getShape())) {
      throw new IllegalArgumentException(
          name + ": shape " + source.getShape() + " does not match " + value.getShape());
    }
    value.set(source.toType(value.getDataType(), false).toByteBuffer());
  }
}
