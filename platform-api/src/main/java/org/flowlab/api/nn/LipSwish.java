package org.flowlab.api.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.flowlab.api.ops.TensorOps;

/**
 * LipSwish (Chen et al. 2019, Residual Flows): {@code f(x) = x·sigmoid(βx)/1.1} with {@code β =
 * softplus(b)} for a learned scalar b (starting at 0.5). Dividing by 1.1 bounds the slope of swish
 * for every β > 0, so Lip(f) ≤ 1 and a spectrally normalised network built with it keeps its
 * Lipschitz bound.
 *
 * <p>Parameter (relative to the scope): {@code beta}, shape (1), the raw b.
 */
public final class LipSwish implements DefinedLayer {
  private static final double DIVISOR = 1.1;

  private final NDArray raw;

  /**
   * @param scope where the raw parameter {@code beta} is registered
   */
  public LipSwish(ParameterScope scope) {
    this.raw = scope.trainable("beta", new Shape(1), Initializer.constant(0.5f));
  }

  /** β = softplus(b), shape (1). */
  public NDArray beta() {
    return ai.djl.nn.Activation.softPlus(raw); // one native op: no Java-side scalars in the graph
  }

  @Override
  public <T> T apply(TensorOps<T> ops, T x) {
    T beta = ops.softplus(ops.parameter(raw));
    return ops.mulScalar(ops.mul(x, ops.sigmoid(ops.mul(x, beta))), 1 / DIVISOR);
  }

  /**
   * The pointwise derivative {@code f'(x) = (s + βx·s·(1 − s))/1.1} with {@code s = sigmoid(βx)},
   * shaped like {@code x}: the JVP with a tangent of ones.
   */
  public NDArray derivative(NDArray x) {
    return jvp(x, x.onesLike()).tangent();
  }
}
