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
  private final ParameterStorage storage;

  Parameter(String name, NDArray value, boolean trainable) {
    this(name, value, trainable, null);
  }

  Parameter(String name, NDArray value, boolean trainable, ParameterStorage storage) {
    this.name = name;
    this.value = value;
    this.trainable = trainable;
    this.storage = storage;
    if (trainable && !value.hasGradient()) {
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

  /** The storage that packs this parameter with others, or null when it is a tensor of its own. */
  public ParameterStorage storage() {
    return storage;
  }

  /** Copies {@code source} into this parameter in place, keeping its gradient attachment. */
  public void assign(NDArray source) {
    if (!source.getShape().equals(value.getShape())) {
      throw new IllegalArgumentException(
          name + ": shape " + source.getShape() + " does not match " + value.getShape());
    }
    NDArray converted = source.toType(value.getDataType(), false);
    if (storage != null) {
      storage.write(name, converted);
    } else {
      value.set(converted.toByteBuffer());
    }
  }
}
