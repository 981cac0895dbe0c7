package org.flowlab.plugins.vi;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.flowlab.api.nn.EagerOps;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.ops.Mapped;
import org.flowlab.api.ops.TensorOps;

/**
 * One Sylvester layer on vectors (d), latent → data (van den Berg et al. 2018): {@code f(z) = z +
 * A·tanh(B·z + b)} with {@code A = Q·R}, {@code B = R̃·Qᵀ}, Q a d×M matrix with orthonormal columns
 * (made by an {@link OrthonormalBases.Basis}) and R, R̃ M×M upper triangular. By Sylvester's
 * determinant identity, and as {@code QᵀQ = I}, {@code log|det ∂f/∂z| = Σᵢ log|1 +
 * R̃ᵢᵢ·Rᵢᵢ·tanh'(·)ᵢ|}.
 *
 * <p>Invertibility: f is invertible when {@code Rᵢᵢ·R̃ᵢᵢ > −1/‖h'‖∞}, which for tanh ({@code h' ∈
 * (0, 1]}) means {@code Rᵢᵢ·R̃ᵢᵢ > −1}. As in the paper, the diagonals pass through tanh ({@code
 * Rᵢᵢ = tanh(rᵢᵢ)}, {@code R̃ᵢᵢ = tanh(r̃ᵢᵢ)}), so {@code |Rᵢᵢ·R̃ᵢᵢ| < 1} and every {@code 1 +
 * R̃ᵢᵢ·Rᵢᵢ·h'ᵢ > 0}. Parameters {@code r}, {@code r_tilde} (M×M, only the upper triangle is used)
 * and {@code b} (M), uniform on ±1/√d.
 *
 * <p>Amortised (a context c of k &gt; 0 features): r, r̃ (all M² entries, the diagonal before its
 * tanh) and b are each their base plus a linear map of c ({@link Amortized}), as the paper's
 * encoder outputs them per data point; the tanh diagonals then keep {@code Rᵢᵢ·R̃ᵢᵢ > −1} per
 * sample. Q follows the context only in the Householder variant (see {@link OrthonormalBases}).
 */
final class SylvesterLayer extends SamplingOnlyLayer {
  private final OrthonormalBases.Basis basis;
  private final Amortized r;
  private final Amortized rTilde;
  private final Amortized b;
  private final NDArray diagonal;
  private final NDArray strictlyUpper;
  private final Shape square;

  /**
   * @param scope where {@code r}, {@code r_tilde} and {@code b} are registered
   * @param d the vector dimension
   * @param m M, the number of columns of Q (at most d)
   * @param basis applies Q (d×M, orthonormal columns) and Qᵀ from the current weights
   * @param contextDim features of the context (0: none)
   */
  SylvesterLayer(ParameterScope scope, int d, int m, OrthonormalBases.Basis basis, int contextDim) {
    super("sylvester", contextDim, EagerOps.of(scope.autocast()));
    this.basis = basis;
    Initializer init = Initializer.uniform(1 / Math.sqrt(d));
    this.r = new Amortized(scope, "r", new Shape(m, m), init, contextDim);
    this.rTilde = new Amortized(scope, "r_tilde", new Shape(m, m), init, contextDim);
    this.b = new Amortized(scope, "b", new Shape(m), init, contextDim);
    this.square = new Shape(m, m);
    this.diagonal = scope.manager().eye(m).toType(r.base().getDataType(), false);
    float[] above = new float[m * m];
    for (int i = 0; i < m; i++) {
      for (int j = i + 1; j < m; j++) {
        above[i * m + j] = 1;
      }
    }
    this.strictlyUpper =
        scope.manager().create(above, new Shape(m, m)).toType(r.base().getDataType(), false);
  }

  /** Q (d×M) of an unconditional layer, from the current weights: Q applied to the identity. */
  NDArray q() {
    EagerOps ops = EagerOps.FLOAT32;
    return basis.at(ops, null).embed(diagonal).transpose();
  }

  /** The upper triangle of {@code raw} (per sample, B×M×M) with tanh on its diagonal. */
  private <T> T triangular(TensorOps<T> ops, T raw) {
    return ops.add(
        ops.mul(raw, ops.parameter(strictlyUpper)),
        ops.mul(ops.tanh(raw), ops.parameter(diagonal)));
  }

  /**
   * {@code U·y} for each sample y (N×M) → (N×M): one matrix product when every sample shares U
   * (1×M×M, no context), else U (N×M×M) applied per sample.
   */
  private <T> T times(TensorOps<T> ops, T upper, T y, T context) {
    if (context == null) {
      return ops.matMul(y, ops.transpose(ops.reshape(upper, square), 1, 0));
    }
    return ops.sum(ops.mul(upper, ops.unsqueeze(y, 1)), 2);
  }

  @Override
  <T> Mapped<T> sample(TensorOps<T> ops, T z, T context) {
    T upper = triangular(ops, r.value(ops, context));
    T upperTilde = triangular(ops, rTilde.value(ops, context));
    OrthonormalBases.Applied<T> q = basis.at(ops, context);
    T h = ops.tanh(ops.add(times(ops, upperTilde, q.project(z), context), b.value(ops, context)));
    T x = ops.add(z, q.embed(times(ops, upper, h, context)));
    T diagonalProduct = ops.sum(ops.mul(ops.mul(upper, upperTilde), ops.parameter(diagonal)), 2);
    T slope = ops.addScalar(ops.neg(ops.mul(h, h)), 1);
    T logDet = ops.log(ops.abs(ops.addScalar(ops.mul(slope, diagonalProduct), 1)));
    return new Mapped<>(x, ops.sum(logDet, 1));
  }
}
