package org.flowlab.plugins.vi;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.function.Supplier;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxTensor;

/**
 * One Sylvester layer on vectors (d), latent → data (van den Berg et al. 2018): {@code f(z) = z +
 * A·tanh(B·z + b)} with {@code A = Q·R}, {@code B = R̃·Qᵀ}, Q a d×M matrix with orthonormal columns
 * (made by {@link OrthonormalBases}) and R, R̃ M×M upper triangular. By Sylvester's determinant
 * identity, and as {@code QᵀQ = I}, {@code log|det ∂f/∂z| = Σᵢ log|1 + R̃ᵢᵢ·Rᵢᵢ·tanh'(·)ᵢ|}.
 *
 * <p>Invertibility: f is invertible when {@code Rᵢᵢ·R̃ᵢᵢ > −1/‖h'‖∞}, which for tanh ({@code h' ∈
 * (0, 1]}) means {@code Rᵢᵢ·R̃ᵢᵢ > −1}. As in the paper, the diagonals pass through tanh ({@code
 * Rᵢᵢ = tanh(rᵢᵢ)}, {@code R̃ᵢᵢ = tanh(r̃ᵢᵢ)}), so {@code |Rᵢᵢ·R̃ᵢᵢ| < 1} and every {@code 1 +
 * R̃ᵢᵢ·Rᵢᵢ·h'ᵢ > 0}. Parameters {@code r}, {@code r_tilde} (M×M, only the upper triangle is used)
 * and {@code b} (M), uniform on ±1/√d.
 */
final class SylvesterLayer extends SamplingOnlyLayer {
  private final Supplier<NDArray> basis;
  private final NDArray r;
  private final NDArray rTilde;
  private final NDArray b;
  private final NDArray diagonal;
  private final NDArray strictlyUpper;

  /**
   * @param scope where {@code r}, {@code r_tilde} and {@code b} are registered
   * @param d the vector dimension
   * @param m M, the number of columns of Q (at most d)
   * @param basis gives Q (d×M, orthonormal columns) from the current weights
   */
  SylvesterLayer(ParameterScope scope, int d, int m, Supplier<NDArray> basis) {
    super("sylvester");
    this.basis = basis;
    Initializer init = Initializer.uniform(1 / Math.sqrt(d));
    this.r = scope.trainable("r", new Shape(m, m), init);
    this.rTilde = scope.trainable("r_tilde", new Shape(m, m), init);
    this.b = scope.trainable("b", new Shape(m), init);
    this.diagonal = scope.manager().eye(m).toType(r.getDataType(), false);
    float[] above = new float[m * m];
    for (int i = 0; i < m; i++) {
      for (int j = i + 1; j < m; j++) {
        above[i * m + j] = 1;
      }
    }
    this.strictlyUpper =
        scope.manager().create(above, new Shape(m, m)).toType(r.getDataType(), false);
  }

  /** Q, from the current weights. */
  NDArray q() {
    return basis.get();
  }

  /** The upper triangle of {@code raw} with tanh on its diagonal. */
  private NDArray triangular(NDArray raw) {
    return raw.mul(strictlyUpper).add(raw.tanh().mul(diagonal));
  }

  @Override
  public Transformed sampleForward(NDArray z) {
    NDArray q = q();
    NDArray upper = triangular(r);
    NDArray upperTilde = triangular(rTilde);
    NDArray h = z.matMul(q).matMul(upperTilde.transpose()).add(b).tanh();
    NDArray x = z.add(h.matMul(upper.transpose()).matMul(q.transpose()));
    NDArray diagonalProduct = upper.mul(upperTilde).mul(diagonal).sum(new int[] {0});
    NDArray logDet =
        h.square().neg().add(1).mul(diagonalProduct).add(1).abs().log().sum(new int[] {1});
    return new Transformed(x, logDet, LogDetMode.EXACT);
  }

  /** Emits {@code z + tanh(z·Bᵀ + b)·Aᵀ}, with A and B computed from the current weights. */
  @Override
  public OnnxTensor emitInverse(OnnxGraph graph, OnnxTensor z) {
    NDArray q = q();
    String bT = graph.initializer("sylvester_b_t", q.matMul(triangular(rTilde).transpose()));
    String aT = graph.initializer("sylvester_a_t", triangular(r).transpose().matMul(q.transpose()));
    String bias = graph.initializer("sylvester_bias", b);
    String h = graph.tanh(graph.add(graph.matMul(z.name(), bT), bias));
    return z.with(graph.add(z.name(), graph.matMul(h, aT)));
  }
}
