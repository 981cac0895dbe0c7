package org.flowlab.api.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * The compute type of the matmul-class ops (linear, matmul, convolution), PyTorch's autocast policy
 * written out by hand (DJL has no autocast): such an op runs on its inputs cast to the run's
 * compute type (bfloat16 or float16) and returns float32; Jacobian-vector products through such
 * layers are matmuls too. Every other op stays float32: log-dets, the loss,
 * exp/log/softplus/sigmoid of scales, normalisations, base densities, ODE solver state, the
 * estimators' own arithmetic (probes, vᵀ(Jv), series weights) and spectral-norm power iterations;
 * parameters are float32 tensors and the casts are differentiable, so gradients reach them in
 * float32.
 *
 * <p>A layer takes its {@code Autocast} from its {@link ParameterScope} once, at construction, and
 * runs each of its matmul-class ops through {@link #linear}, {@link #conv2d}, {@link #matMul} or
 * {@link #apply}. The host sets it on the root scope from {@code training.precision}; {@link
 * #FLOAT32}, the default, runs every op on its inputs as they are (no casts).
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

  /** {@code x·Wᵀ + b} (one fused addmm); {@code bias} may be null. */
  default NDArray linear(NDArray x, NDArray weight, NDArray bias) {
    return apply(
        in -> ai.djl.nn.core.Linear.linear(in[0], in[1], in[2]).singletonOrThrow(),
        x,
        weight,
        bias);
  }

  /** A 2D convolution of images {@code (n, c, h, w)}; {@code bias} may be null. */
  default NDArray conv2d(NDArray x, NDArray weight, NDArray bias, Shape stride, Shape padding) {
    return apply(
        in ->
            ai.djl.nn.convolutional.Conv2d.conv2d(in[0], in[1], in[2], stride, padding)
                .singletonOrThrow(),
        x,
        weight,
        bias);
  }

  /** {@code a·b}, a matrix product. */
  default NDArray matMul(NDArray a, NDArray b) {
    return apply(in -> in[0].matMul(in[1]), a, b);
  }
}
