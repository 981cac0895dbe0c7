package org.flowlab.plugins.vi;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.flowlab.api.nn.Scalars;

/**
 * The three ways a Sylvester layer makes its Q, a d×M matrix with orthonormal columns (van den Berg
 * et al. 2018, section 3): the iterative orthogonalisation of a free matrix, a product of
 * Householder reflections, and a fixed permutation.
 */
final class OrthonormalBases {
  /** The paper's cap on orthogonalisation iterations. */
  static final int MAX_ITERATIONS = 100;

  /** The paper's convergence tolerance on {@code ‖QᵀQ − I‖_F}. */
  static final double TOLERANCE = 1e-6;

  private OrthonormalBases() {}

  /**
   * The paper's iterative procedure: {@code Q ← Q/‖Q‖_F}, then {@code Q ← Q(I + ½(I − QᵀQ))} until
   * {@code ‖QᵀQ − I‖_F ≤ 1e-6} or 100 iterations. The normalisation puts every singular value in
   * (0, 1], so {@code ‖QᵀQ − I‖₂ < 1} and the iteration converges (quadratically near the end) to
   * the orthonormal polar factor whenever q has full column rank. It runs in double precision,
   * where the tolerance is reachable, and is differentiable: gradients flow back to q.
   *
   * @param q a d×M matrix, M ≤ d
   */
  static NDArray orthonormalized(NDArray q) {
    int cols = Math.toIntExact(q.getShape().get(1));
    NDArray eye = q.getManager().eye(cols, cols, 0, DataType.FLOAT64);
    NDArray a = q.toType(DataType.FLOAT64, false);
    a = a.div(a.square().sum().sqrt());
    for (int i = 0; ; i++) {
      NDArray gram = a.transpose().matMul(a);
      if (i == MAX_ITERATIONS || distanceFromIdentity(gram) <= TOLERANCE) {
        break;
      }
      a = a.matMul(Scalars.mul(eye.sub(gram), 0.5).add(eye));
    }
    return a.toType(q.getDataType(), false);
  }

  /** {@code ‖QᵀQ − I‖_F}, the orthonormality defect of q's columns, on the host. */
  static double orthonormalityDefect(NDArray q) {
    return distanceFromIdentity(q.transpose().matMul(q).toType(DataType.FLOAT64, false));
  }

  /**
   * {@code H₁·H₂·…·H_H} with {@code H_k = I − 2·v_k·v_kᵀ/‖v_k‖²}, an orthogonal d×d matrix.
   *
   * @param v the reflection vectors, one per row (H×d)
   */
  static NDArray householderProduct(NDArray v) {
    int d = Math.toIntExact(v.getShape().get(1));
    NDArray q = v.getManager().eye(d, d, 0, v.getDataType());
    for (long k = 0; k < v.getShape().get(0); k++) {
      NDArray column = v.get(k).reshape(d, 1);
      NDArray reflected = q.matMul(column).matMul(column.transpose());
      q = q.sub(Scalars.mul(reflected, 2).div(column.square().sum()));
    }
    return q;
  }

  /** The d×d identity, or with {@code reversed} the permutation that reverses the coordinates. */
  static NDArray permutation(NDManager manager, int d, boolean reversed) {
    float[] p = new float[d * d];
    for (int i = 0; i < d; i++) {
      p[i * d + (reversed ? d - 1 - i : i)] = 1;
    }
    return manager.create(p, new Shape(d, d));
  }

  private static double distanceFromIdentity(NDArray gram) {
    double[] g = gram.toDoubleArray();
    int n = (int) Math.round(Math.sqrt(g.length));
    double sum = 0;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        double e = g[i * n + j] - (i == j ? 1 : 0);
        sum += e * e;
      }
    }
    return Math.sqrt(sum);
  }
}
