package org.flowlab.plugins.vi;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.flowlab.api.nn.Scalars;
import org.flowlab.api.ops.TensorOps;

/**
 * The three ways a Sylvester layer makes its Q, a d×M matrix with orthonormal columns (van den Berg
 * et al. 2018, section 3): the iterative orthogonalisation of a free matrix, a product of
 * Householder reflections, and a fixed permutation.
 *
 * <p>Amortised flows (a context): the Householder variant's reflection vectors follow the context
 * ({@link #householder}), so each sample gets its own Q at the cost of H reflections per sample, as
 * the paper's encoder outputs them. The orthogonal variant keeps Q shared ({@link #fixed}): a Q per
 * sample would run the iterative orthogonalisation (up to 100 d×M products, stopped by a test on
 * the values) for every sample at every step, and an ONNX export could only record a fixed
 * iteration count of it; the context still reaches R, R̃ and b. The triangular variant's
 * permutation is fixed by definition.
 */
final class OrthonormalBases {
  /** How a Sylvester layer makes its Q (d×M, orthonormal columns) for a pass. */
  interface Basis {
    /** Q for the samples of {@code context} (null: none), in the interpretation {@code ops}. */
    <T> Applied<T> at(TensorOps<T> ops, T context);
  }

  /**
   * A Q made for one pass, applied to a batch of vectors.
   *
   * @param <T> the value type of the interpretation
   */
  interface Applied<T> {
    /** {@code Qᵀz}: {@code (N, d)} → {@code (N, M)}. */
    T project(T z);

    /** {@code Q·y}: {@code (N, M)} → {@code (N, d)}. */
    T embed(T y);
  }

  /**
   * A Q shared by every sample, made once per pass from the current weights by {@code q} (e.g.
   * {@link #orthonormalized} of a parameter, or a fixed permutation).
   */
  static Basis fixed(Supplier<NDArray> q) {
    return new Basis() {
      @Override
      public <T> Applied<T> at(TensorOps<T> ops, T context) {
        return matrix(ops, ops.parameter(q.get()));
      }
    };
  }

  /** Q given as a d×M matrix, applied by two matrix products. */
  private static <T> Applied<T> matrix(TensorOps<T> ops, T q) {
    T transposed = ops.transpose(q, 1, 0);
    return new Applied<>() {
      @Override
      public T project(T z) {
        return ops.matMul(z, q);
      }

      @Override
      public T embed(T y) {
        return ops.matMul(y, transposed);
      }
    };
  }

  /**
   * {@code Q = H₁·H₂·…·H_H} with {@code H_k = I − 2·v_k·v_kᵀ/‖v_k‖²}, an orthogonal d×d matrix.
   * Amortised, each sample's Q is applied reflection by reflection and never formed: {@code Qᵀz =
   * H_H·…·H₁·z} (each H is symmetric), {@code Q·y = H₁·…·H_H·y}; shared by every sample (no
   * context), Q is formed once per pass from the identity and applied as a matrix.
   *
   * @param vectors the reflection vectors (H×d), per sample when amortised
   * @param reflections H
   * @param identity the d×d identity (to form a Q shared by every sample)
   */
  static Basis householder(Amortized vectors, int reflections, NDArray identity) {
    int d = Math.toIntExact(identity.getShape().get(0));
    return new Basis() {
      @Override
      public <T> Applied<T> at(TensorOps<T> ops, T context) {
        T all = vectors.flat(ops, context);
        List<T> v = new ArrayList<>(reflections);
        for (int k = 0; k < reflections; k++) {
          v.add(ops.slice(all, 1, (long) k * d, (long) (k + 1) * d));
        }
        Applied<T> reflected = reflections(ops, v);
        if (context != null) {
          return reflected;
        }
        // One Q for every sample: formed once (its rows are Qᵀ's), then two products a pass.
        return matrix(ops, ops.transpose(reflected.embed(ops.parameter(identity)), 1, 0));
      }
    };
  }

  /** {@code H₁·…·H_H} applied reflection by reflection to a batch of vectors. */
  private static <T> Applied<T> reflections(TensorOps<T> ops, List<T> v) {
    int reflections = v.size();
    return new Applied<>() {
      @Override
      public T project(T z) {
        for (int k = 0; k < reflections; k++) {
          z = reflect(ops, z, v.get(k));
        }
        return z;
      }

      @Override
      public T embed(T y) {
        for (int k = reflections - 1; k >= 0; k--) {
          y = reflect(ops, y, v.get(k));
        }
        return y;
      }
    };
  }

  /** {@code x − 2·v·(vᵀx)/‖v‖²}, row by row. */
  private static <T> T reflect(TensorOps<T> ops, T x, T v) {
    T along =
        ops.div(
            SamplingOnlyLayer.rowSum(ops, ops.mul(v, x)),
            SamplingOnlyLayer.rowSum(ops, ops.mul(v, v)));
    return ops.sub(x, ops.mul(v, ops.mulScalar(along, 2)));
  }

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
