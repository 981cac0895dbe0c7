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
    return ai.djl.nn.Activation.softPlus(raw); // one native op: no Java-side scalars in the graph
  }

  /**
   * 1/1.1 as a natively owned scalar. {@code NDArray.div(Number)} would wrap a Java buffer that DJL
   * frees right after the op while autograd keeps it for the backward pass.
   */
  private static NDArray inverseDivisor(NDArray like) {
    return like.getManager().full(new Shape(), (float) (1 / DIVISOR), like.getDataType());
  }

  @Override
  public NDArray forward(NDArray x) {
    return x.mul(Activation.sigmoid(x.mul(beta()))).mul(inverseDivisor(x));
  }

  /**
   * The pointwise derivative {@code f'(x) = (s + βx·s·(1 − s))/1.1} with {@code s = sigmoid(βx)},
   * shaped like {@code x}.
   */
  public NDArray derivative(NDArray x) {
    NDArray bx = x.mul(beta());
    NDArray s = Activation.sigmoid(bx);
    return s.add(bx.mul(s).mul(s.neg().add(1))).mul(inverseDivisor(x));
  }

  @Override
  public Jvp jvp(NDArray x, NDArray v) {
    NDArray bx = x.mul(beta());
    NDArray s = Activation.sigmoid(bx);
    NDArray y = x.mul(s).mul(inverseDivisor(x));
    NDArray d = s.add(bx.mul(s).mul(s.neg().add(1))).mul(inverseDivisor(x));
    return new Jvp(y, v.mul(d));
  }
}
