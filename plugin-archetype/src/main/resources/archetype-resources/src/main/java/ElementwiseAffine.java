package ${package};

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.flowlab.api.bijector.DefinedBijector;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.ops.Mapped;
import org.flowlab.api.ops.TensorOps;

/**
 * One trainable scale and shift per element: forward (data → latent) {@code z = (x + shift) ·
 * exp(log_scale)}, log-det {@code Σ log_scale} for every sample; inverse {@code x = z · exp(−log_scale)
 * − shift}. Parameters {@code shift} and {@code log_scale} have the event shape and start near zero
 * (close to the identity), drawn from the scope's seed.
 *
 * <p>The math is written once, over {@link TensorOps}: the JVM passes, the ONNX export and the
 * forward-mode derivatives all run these two methods ({@link DefinedBijector} derives the rest; see
 * Flowlab's docs/one-definition.md). Replace it with your own bijector: the conformance test checks
 * it either way.
 */
final class ElementwiseAffine implements DefinedBijector {
  private final NDArray shift;
  private final NDArray logScale;

  ElementwiseAffine(ParameterScope scope, Shape eventShape) {
    this.shift = scope.trainable("shift", eventShape, Initializer.normal(0.01));
    this.logScale = scope.trainable("log_scale", eventShape, Initializer.normal(0.01));
  }

  @Override
  public <T> Mapped<T> forward(TensorOps<T> ops, T x) {
    T s = ops.parameter(logScale);
    T z = ops.mul(ops.add(x, ops.parameter(shift)), ops.exp(s));
    T logDet = ops.add(ops.zerosPerSample(x), ops.sumAfter(s, 0));
    return new Mapped<>(z, logDet);
  }

  @Override
  public <T> T inverse(TensorOps<T> ops, T z) {
    T scaled = ops.mul(z, ops.exp(ops.neg(ops.parameter(logScale))));
    return ops.sub(scaled, ops.parameter(shift));
  }
}
