package org.flowlab.plugins.vi;

import ai.djl.ndarray.types.Shape;
import org.flowlab.api.nn.EagerOps;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.ops.Mapped;
import org.flowlab.api.ops.TensorOps;

/**
 * One radial layer on vectors (d), latent → data: {@code f(z) = z + β·h(α, r)·(z − z₀)} with {@code
 * h = 1/(α + r)}, {@code r = ‖z − z₀‖}; log-det {@code (d − 1)·log(1 + βh) + log(1 + βh + βh'r)},
 * where {@code 1 + βh + βh'r = 1 + βα/(α + r)²}. {@code α = softplus(α')} and {@code β = −α +
 * softplus(β')}, so {@code β ≥ −α} and f is invertible (Rezende and Mohamed 2015, appendix A.2).
 * Parameters {@code z0} (d), {@code alpha} and {@code beta} (1, the unconstrained α' and β'),
 * uniform on ±1/√d.
 *
 * <p>Amortised (a context c of k &gt; 0 features): z₀, α' and β' are each their base plus a linear
 * map of c ({@link Amortized}), and α, β are made from each sample's α', β', so {@code β ≥ −α}
 * holds per sample.
 */
final class RadialLayer extends SamplingOnlyLayer {
  private final int d;
  private final Amortized z0;
  private final Amortized alphaRaw;
  private final Amortized betaRaw;

  /**
   * @param scope where {@code z0}, {@code alpha} and {@code beta} are registered
   * @param d the vector dimension
   * @param contextDim features of the context (0: none)
   */
  RadialLayer(ParameterScope scope, int d, int contextDim) {
    super("radial", contextDim, EagerOps.of(scope.autocast()));
    this.d = d;
    Initializer init = Initializer.uniform(1 / Math.sqrt(d));
    this.z0 = new Amortized(scope, "z0", new Shape(d), init, contextDim);
    this.alphaRaw = new Amortized(scope, "alpha", new Shape(1), init, contextDim);
    this.betaRaw = new Amortized(scope, "beta", new Shape(1), init, contextDim);
  }

  @Override
  <T> Mapped<T> sample(TensorOps<T> ops, T z, T context) {
    T alpha = ops.softplus(alphaRaw.value(ops, context));
    T beta = ops.sub(ops.softplus(betaRaw.value(ops, context)), alpha);
    T diff = ops.sub(z, z0.value(ops, context));
    T r = ops.sqrt(rowSum(ops, ops.mul(diff, diff)));
    T alphaPlusR = ops.add(alpha, r);
    T betaH = ops.div(beta, alphaPlusR);
    T x = ops.add(z, ops.mul(betaH, diff));
    T radial = ops.log(ops.addScalar(ops.div(ops.mul(betaH, alpha), alphaPlusR), 1));
    T logDet = ops.add(ops.mulScalar(ops.log(ops.addScalar(betaH, 1)), d - 1), radial);
    return new Mapped<>(x, ops.sum(logDet, 1));
  }
}
