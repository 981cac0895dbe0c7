package org.flowlab.plugins.glow;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.flowlab.api.bijector.DefinedBijector;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.ops.Mapped;
import org.flowlab.api.ops.TensorOps;

/**
 * Glow's learned top prior, written as a bijector in front of a standard normal base: forward (data
 * → latent) {@code z = (x − mean)·exp(−log_sd)} per element, log-det {@code −Σ log_sd}. So x has
 * the density N(mean, exp(log_sd)²), and sampling at temperature T still scales the base's standard
 * deviation. Parameters {@code mean} and {@code log_sd}, shaped like one event, start at zero.
 */
final class LearnedPrior implements DefinedBijector {
  private final NDArray mean;
  private final NDArray logSd;

  LearnedPrior(ParameterScope scope, Shape eventShape) {
    this.mean = scope.trainable("mean", eventShape, Initializer.ZEROS);
    this.logSd = scope.trainable("log_sd", eventShape, Initializer.ZEROS);
  }

  /** {@code z = (x − mean)·exp(−log_sd)}, log-det {@code −Σ log_sd} for every sample. */
  @Override
  public <T> Mapped<T> forward(TensorOps<T> ops, T x) {
    T negLogSd = ops.neg(ops.parameter(logSd));
    T z = ops.mul(ops.sub(x, ops.parameter(mean)), ops.exp(negLogSd));
    return new Mapped<>(z, ops.perSample(x, ops.sumAfter(negLogSd, 0)));
  }

  /** {@code x = z·exp(log_sd) + mean}. */
  @Override
  public <T> T inverse(TensorOps<T> ops, T z) {
    return ops.add(ops.mul(z, ops.exp(ops.parameter(logSd))), ops.parameter(mean));
  }
}
