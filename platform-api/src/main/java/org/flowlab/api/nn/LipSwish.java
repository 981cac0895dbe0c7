package org.flowlab.api.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * LipSwish (Chen et al. 2019, Residual Flows): {@code f(x) = x·sigmoid(βx)/1.1} with {@code β =
 * softplus(b)} for a learned scalar b (starting at 0.5). Dividing by 1.1 bounds the slope of swish
 * for every β > 0, so Lip(f) ≤ 1 and a spectrally normalised network built with it keeps its
 * Lipschitz bound.
 *
 * <p>Parameter (relative to the scope): {@code beta}, shape (1), the raw b.
 */
public final class LipSwish implements Layer {
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
    return Activation.softplus(raw);
  }

  @Override
  public NDArray forward(NDArray x) {
    return x.mul(Activation.sigmoid(x.mul(beta()))).div(DIVISOR);
  }

  /**
   * The pointwise derivative {@code f'(x) = (s + βx·s·(1 − s))/1.1} with {@code s = sigmoid(βx)},
   * shaped like {@code x}.
   */
  public NDArray derivative(NDArray x) {
    NDArray bx = x.mul(beta());
    NDArray s = Activation.sigmoid(bx);
    return s.add(bx.mul(s).mul(s.neg().add(1))).div(DIVISOR);
  }

  @Override
  public Jvp jvp(NDArray x, NDArray v) {
    NDArray bx = x.mul(beta());
    NDArray s = Activation.sigmoid(bx);
    NDArray y = x.mul(s).div(DIVISOR);
    NDArray d = s.add(bx.mul(s).mul(s.neg().add(1))).div(DIVISOR);
    return new Jvp(y, v.mul(d));
  }
}
