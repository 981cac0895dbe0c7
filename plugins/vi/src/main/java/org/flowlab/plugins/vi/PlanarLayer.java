package org.flowlab.plugins.vi;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.flowlab.api.nn.EagerOps;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.ops.Mapped;
import org.flowlab.api.ops.TensorOps;

/**
 * One planar layer on vectors (d), latent → data: {@code f(z) = z + û·tanh(wᵀz + b)}, log-det
 * {@code log|1 + (1 − tanh²(wᵀz + b))·wᵀû|} (the matrix determinant lemma). With the constraint,
 * {@code û = u + (m(wᵀu) − wᵀu)·w/‖w‖²} and {@code m(a) = −1 + softplus(a)}, so {@code wᵀû = m(wᵀu)
 * > −1} and f is invertible (Rezende and Mohamed 2015, appendix A.1); without it, {@code û = u}.
 * Parameters {@code w}, {@code u} (d) and {@code b} (1), uniform on ±1/√d.
 *
 * <p>Amortised (a context c of k &gt; 0 features): w, u and b are each their base plus a linear map
 * of c ({@link Amortized}: {@code context.w} (d×k), {@code context.u} (d×k), {@code context.b}
 * (1×k)), and û is made from each sample's w and u, so {@code wᵀû > −1} holds per sample.
 */
final class PlanarLayer extends SamplingOnlyLayer {
  private final boolean constrained;
  private final Amortized w;
  private final Amortized u;
  private final Amortized b;

  /**
   * @param scope where {@code w}, {@code u} and {@code b} are registered
   * @param d the vector dimension
   * @param constrained whether {@code û} enforces {@code wᵀû ≥ −1}
   * @param contextDim features of the context (0: none)
   */
  PlanarLayer(ParameterScope scope, int d, boolean constrained, int contextDim) {
    super("planar", contextDim, EagerOps.of(scope.autocast()));
    this.constrained = constrained;
    Initializer init = Initializer.uniform(1 / Math.sqrt(d));
    this.w = new Amortized(scope, "w", new Shape(d), init, contextDim);
    this.u = new Amortized(scope, "u", new Shape(d), init, contextDim);
    this.b = new Amortized(scope, "b", new Shape(1), init, contextDim);
  }

  /** The û of an unconditional layer, shape (1, d). */
  NDArray uHat() {
    EagerOps ops = EagerOps.FLOAT32;
    return uHat(ops, w.value(ops, null), u.value(ops, null));
  }

  /** The u the layer uses: constrained so that {@code wᵀû ≥ −1}, or u itself; per sample. */
  private <T> T uHat(TensorOps<T> ops, T wValue, T uValue) {
    if (!constrained) {
      return uValue;
    }
    T wu = rowSum(ops, ops.mul(wValue, uValue));
    T m = ops.addScalar(ops.softplus(wu), -1);
    T step = ops.div(ops.sub(m, wu), rowSum(ops, ops.mul(wValue, wValue)));
    return ops.add(uValue, ops.mul(wValue, step));
  }

  @Override
  <T> Mapped<T> sample(TensorOps<T> ops, T z, T context) {
    T wValue = w.value(ops, context);
    T uHat = uHat(ops, wValue, u.value(ops, context));
    T h = ops.tanh(ops.add(rowSum(ops, ops.mul(z, wValue)), b.value(ops, context)));
    T x = ops.add(z, ops.mul(h, uHat));
    T slope = ops.addScalar(ops.neg(ops.mul(h, h)), 1);
    T wuHat = rowSum(ops, ops.mul(wValue, uHat));
    T logDet = ops.log(ops.abs(ops.addScalar(ops.mul(slope, wuHat), 1)));
    return new Mapped<>(x, ops.sum(logDet, 1));
  }
}
