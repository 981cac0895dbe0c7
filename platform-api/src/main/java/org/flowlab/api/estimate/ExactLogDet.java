package org.flowlab.api.estimate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.flowlab.api.linalg.Lu;

/**
 * The exact {@code log|det(I + J)|} for small dimensions: the d columns of each sample's Jacobian
 * from d applications of the operator to basis vectors, then an LU factorisation with partial
 * pivoting in double precision on the host ({@link Lu}: DJL has no slogdet).
 *
 * <p>{@link #logAbsDetIdentityPlus} is differentiable: its value is the LU result and its gradient
 * that of {@code log|det A|}, {@code ∂/∂A = A^{−T}}, attached through the first-order term {@code Σ
 * A^{−T} ⊙ (J − stop(J))}, which is zero in value.
 */
public final class ExactLogDet {
  private ExactLogDet() {}

  /**
   * The d × d Jacobian of every sample as engine arrays: shape (batch, d, d), entry [b, r, c] = ∂(J
   * v)_r/∂v_c.
   *
   * @param j the operator
   * @param like any array of shape (batch, d), for the manager, batch size and type
   */
  public static NDArray jacobian(LinearOperator j, NDArray like) {
    Shape shape = like.getShape();
    if (shape.dimension() != 2) {
      throw new IllegalArgumentException("exact log-det needs vectors (batch, d), got " + shape);
    }
    int d = Math.toIntExact(shape.get(1));
    NDManager m = like.getManager();
    NDArray eye = m.eye(d).toType(like.getDataType(), false);
    NDList columns = new NDList(d);
    for (int c = 0; c < d; c++) {
      NDArray basis = like.zerosLike().add(eye.get(c).reshape(1, d));
      columns.add(j.apply(basis));
    }
    return NDArrays.stack(columns, 2);
  }

  /** {@link #jacobian} copied to the host: [sample][row][column]. */
  public static double[][][] jacobians(LinearOperator j, NDArray like) {
    NDArray jac = jacobian(j, like);
    int b = Math.toIntExact(jac.getShape().get(0));
    int d = Math.toIntExact(jac.getShape().get(1));
    float[] flat = jac.toFloatArray();
    double[][][] out = new double[b][d][d];
    for (int s = 0; s < b; s++) {
      for (int r = 0; r < d; r++) {
        for (int c = 0; c < d; c++) {
          out[s][r][c] = flat[(s * d + r) * d + c];
        }
      }
    }
    return out;
  }

  /**
   * {@code log|det(I + J_b)|} per sample, shape (batch), differentiable through the operator.
   *
   * @param j the per-sample Jacobian
   * @param like any array of shape (batch, d)
   */
  public static NDArray logAbsDetIdentityPlus(LinearOperator j, NDArray like) {
    NDArray jac = jacobian(j, like);
    int b = Math.toIntExact(jac.getShape().get(0));
    int d = Math.toIntExact(jac.getShape().get(1));
    float[] flat = jac.toFloatArray();
    float[] values = new float[b];
    float[] inverseTransposed = new float[b * d * d];
    double[][] a = new double[d][d];
    for (int s = 0; s < b; s++) {
      for (int r = 0; r < d; r++) {
        for (int c = 0; c < d; c++) {
          a[r][c] = flat[(s * d + r) * d + c] + (r == c ? 1 : 0);
        }
      }
      Lu lu = Lu.of(a);
      values[s] = (float) lu.logAbsDet();
      if (!lu.singular()) {
        double[][] inv = lu.inverse();
        for (int r = 0; r < d; r++) {
          for (int c = 0; c < d; c++) {
            inverseTransposed[(s * d + r) * d + c] = (float) inv[c][r];
          }
        }
      }
    }
    NDManager m = like.getManager();
    NDArray value = m.create(values, new Shape(b)).toType(like.getDataType(), false);
    NDArray grad = m.create(inverseTransposed, new Shape(b, d, d)).toType(jac.getDataType(), false);
    return value.add(grad.mul(jac.sub(jac.stopGradient())).sum(new int[] {1, 2}));
  }
}
