package org.flowlab.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import org.flowlab.api.nn.Scalars;

/**
 * Dynamic loss scaling for float16 compute, with {@code torch.cuda.amp.GradScaler}'s semantics: the
 * loss is multiplied by the scale before the backward pass (so small float16 gradients do not flush
 * to zero) and the gradients divided by it before the update; a step whose gradients hold an inf or
 * NaN is skipped and halves the scale; {@link #GROWTH_INTERVAL} clean steps in a row double it.
 * Starts at 2^16. Its state is saved with the optimizer's in every checkpoint, so a resumed run
 * continues with the scale it stopped at.
 */
final class LossScaler {
  /** The scale a run starts with. */
  static final double INITIAL_SCALE = 65536.0;

  /** Clean steps in a row after which the scale doubles. */
  static final long GROWTH_INTERVAL = 2000;

  private final long growthInterval;
  private double scale;
  private long cleanSteps;
  private long skippedSteps;

  LossScaler() {
    this(INITIAL_SCALE, GROWTH_INTERVAL);
  }

  LossScaler(double initialScale, long growthInterval) {
    this.scale = initialScale;
    this.growthInterval = growthInterval;
  }

  /** The current scale. */
  double scale() {
    return scale;
  }

  /** Steps skipped so far for non-finite gradients. */
  long skippedSteps() {
    return skippedSteps;
  }

  /** {@code loss · scale}, the tensor to run the backward pass from. */
  NDArray scaled(NDArray loss) {
    return Scalars.mul(loss, scale);
  }

  /**
   * Records the outcome of a step from the norm of its scaled gradients: not finite, the step is
   * skipped and the scale halves; finite, the step counts as clean and the scale doubles after
   * {@code growthInterval} of them in a row.
   *
   * @return whether the optimizer should take the step
   */
  boolean update(double scaledGradientNorm) {
    if (!Double.isFinite(scaledGradientNorm)) {
      scale /= 2;
      cleanSteps = 0;
      skippedSteps++;
      return false;
    }
    cleanSteps++;
    if (cleanSteps == growthInterval) {
      scale *= 2;
      cleanSteps = 0;
    }
    return true;
  }

  /**
   * The state for a checkpoint: {@code scaler/scale}, {@code scaler/clean}, {@code scaler/skipped}.
   */
  NDList state(NDManager manager) {
    NDList list = new NDList();
    list.add(named(manager.create(new double[] {scale}), "scaler/scale"));
    list.add(named(manager.create(new long[] {cleanSteps}), "scaler/clean"));
    list.add(named(manager.create(new long[] {skippedSteps}), "scaler/skipped"));
    return list;
  }

  /**
   * Restores {@link #state} from a checkpoint's optimizer state.
   *
   * @throws IllegalStateException when the checkpoint has no scaler state
   */
  void load(NDList state) {
    NDArray saved = state.get("scaler/scale");
    if (saved == null) {
      throw new IllegalStateException("checkpoint lacks the float16 loss scaler's state");
    }
    scale = saved.toDoubleArray()[0];
    cleanSteps = state.get("scaler/clean").toLongArray()[0];
    skippedSteps = state.get("scaler/skipped").toLongArray()[0];
  }

  private static NDArray named(NDArray array, String name) {
    array.setName(name);
    return array;
  }
}
