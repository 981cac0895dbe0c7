package org.flowlab.api.bijector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.Parameter;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.ops.Mapped;
import org.flowlab.api.ops.TensorOps;

/**
 * Activation normalisation (Glow): a per-feature affine map, forward (data → latent) {@code z = (x
 * + bias) · exp(log_scale)}. The feature axis is the first event axis: features for vectors {@code
 * (d)}, channels for images {@code (c, h, w)}, where every spatial position shares its channel's
 * scale and bias, so the log-det is {@code h·w·Σ log_scale} per sample.
 *
 * <p>{@link #initialize} sets bias and scale from the first batch so that the outputs have zero
 * mean and unit variance per feature. The "initialized" flag is a buffer registered with the
 * parameters, so a flow restored from a checkpoint is never re-initialised; calling {@link
 * #initialize} again is a plain forward pass.
 *
 * <p>Parameters (relative to the scope): {@code bias} and {@code log_scale}, shape {@code (c)},
 * both start at zero (the identity); buffer {@code initialized}, shape {@code (1)}, 0 or 1.
 */
public final class ActNorm implements DefinedBijector {
  private static final double EPS = 1e-6;

  private final Shape eventShape;
  private final NDArray bias;
  private final NDArray logScale;
  private final NDArray initialized;
  private final Parameter biasParameter;
  private final Parameter logScaleParameter;
  private final Shape broadcastShape;
  private final long spatial;

  /**
   * @param scope where {@code bias}, {@code log_scale} and {@code initialized} are registered
   * @param eventShape the shape of one input, {@code (d)} or {@code (c, h, w)}
   */
  public ActNorm(ParameterScope scope, Shape eventShape) {
    if (eventShape.dimension() < 1) {
      throw new IllegalArgumentException("actnorm needs at least one event axis");
    }
    this.eventShape = eventShape;
    long features = eventShape.get(0);
    this.spatial = eventShape.size() / features;
    this.bias = scope.trainable("bias", new Shape(features), Initializer.ZEROS);
    this.logScale = scope.trainable("log_scale", new Shape(features), Initializer.ZEROS);
    this.initialized = scope.buffer("initialized", new Shape(1), Initializer.ZEROS);
    this.biasParameter = scope.parameter("bias");
    this.logScaleParameter = scope.parameter("log_scale");
    long[] dims = new long[eventShape.dimension()];
    Arrays.fill(dims, 1);
    dims[0] = features;
    this.broadcastShape = new Shape(dims);
  }

  /**
   * {@code z = (x + bias)·exp(log_scale)}, log-det {@code h·w·Σ log_scale} per sample. Few native
   * calls: on vectors the parameters already broadcast, and the log-det is one expand.
   */
  @Override
  public <T> Mapped<T> forward(TensorOps<T> ops, T x) {
    T logS = ops.parameter(logScale);
    T z = ops.mul(ops.add(x, perFeature(ops, ops.parameter(bias))), perFeature(ops, ops.exp(logS)));
    T total = ops.sumAfter(logS, 0);
    if (spatial != 1) {
      total = ops.mulScalar(total, spatial);
    }
    return new Mapped<>(z, ops.perSample(x, total));
  }

  /** {@code x = z·exp(−log_scale) − bias}. */
  @Override
  public <T> T inverse(TensorOps<T> ops, T z) {
    T scale = perFeature(ops, ops.exp(ops.neg(ops.parameter(logScale))));
    return ops.sub(ops.mul(z, scale), perFeature(ops, ops.parameter(bias)));
  }

  /** A per-feature vector {@code (c)} shaped to broadcast over {@code (N, c, h, w)}. */
  private <T> T perFeature(TensorOps<T> ops, T vector) {
    return broadcastShape.dimension() == 1 ? vector : ops.reshape(vector, broadcastShape);
  }

  /**
   * Sets {@code bias = −mean} and {@code log_scale = −log(std + ε)} per feature from {@code x}
   * (statistics over the batch and spatial axes), marks the layer initialised and returns its
   * output. Does nothing but the forward pass when the layer is already initialised.
   */
  @Override
  public NDArray initialize(NDArray x) {
    if (!isInitialized()) {
      if (!x.getShape().slice(1).equals(eventShape)) {
        throw new IllegalArgumentException(
            "actnorm expects events of shape " + eventShape + ", got " + x.getShape());
      }
      long features = eventShape.get(0);
      NDArray perFeature = x.swapAxes(0, 1).reshape(features, -1); // (c, n·h·w)
      NDArray mean = perFeature.mean(new int[] {1}, true);
      NDArray std = perFeature.sub(mean).square().mean(new int[] {1}).sqrt();
      // Through the parameters, which write where the optimizer does (a packed storage's own
      // alias), not through the tensors the layer computes with.
      biasParameter.assign(mean.neg().reshape(bias.getShape()));
      logScaleParameter.assign(std.add(EPS).log().neg().reshape(logScale.getShape()));
      initialized.set(new float[] {1f});
    }
    return forward(x, LogDetMode.EXACT).value();
  }

  /** Whether data-dependent initialisation has run (or a checkpoint set the flag). */
  public boolean isInitialized() {
    return initialized.getFloat(0) > 0.5f;
  }
}
