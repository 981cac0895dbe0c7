package org.flowlab.api.estimate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * A small dimension's Jacobians in full: the d columns of each sample's Jacobian from d
 * applications of the operator to basis vectors. Their exact log-det is {@link
 * org.flowlab.api.ops.TensorOps#logAbsDet} (eagerly an LU in double precision on the host,
 * differentiable).
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
}
