package org.flowlab.api.nn;

import ai.djl.ndarray.NDArray;

/**
 * The compute type of the matmul-class ops (linear, matmul, convolution), PyTorch's autocast policy
 * written out by hand (DJL has no autocast): such an op runs on its inputs cast to the run's
 * compute type (bfloat16 or float16) and returns float32. Every other op stays float32: log-dets,
 * the loss, exp/log/softplus/sigmoid of scales, normalisations, base densities, ODE solver state,
 * estimators and spectral-norm power iterations; parameters are float32 tensors and the casts are
 * differentiable, so gradients reach them in float32.
 *
 * <p>A layer takes its {@code Autocast} from its {@link ParameterScope} once, at construction, and
 * runs each of its matmul-class ops through {@link #apply}. The host sets it on the root scope from
 * {@code training.precision}; {@link #FLOAT32}, the default, runs every op on its inputs as they
 * are (no casts).
 */
public interface Autocast {
  /** A matmul-class op of its (already cast) inputs, in the order given to {@link #apply}. */
  @FunctionalInterface
  interface Op {
    /** Computes the op; a null input (an absent bias) stays null. */
    NDArray compute(NDArray... inputs);
  }

  /** Float32 compute: {@code op} runs on the inputs themselves. */
  Autocast FLOAT32 = (op, inputs) -> op.compute(inputs);

  /**
   * {@code op} of {@code inputs} cast to the compute type (null entries stay null), its result cast
   * back to float32.
   */
  NDArray apply(Op op, NDArray... inputs);
}
