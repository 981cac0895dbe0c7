package org.flowlab.api.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.flowlab.api.linalg.Lu;
import org.flowlab.api.ops.DualOps;
import org.flowlab.api.ops.TangentLayout;
import org.flowlab.api.ops.TensorOps;

/**
 * The eager interpretation of {@link TensorOps}: each op is one DJL call on the arrays themselves
 * (the training path), matmul-class ops through an {@link Autocast}; constants are made safe for
 * autograd as {@link Scalars} does.
 */
public final class EagerOps implements TensorOps<NDArray> {
  /** Eager ops with float32 matmuls. */
  public static final EagerOps FLOAT32 = new EagerOps(Autocast.FLOAT32);

  private static final Shape STRIDE = new Shape(1, 1);
  private static final Shape[] PADDING = {
    new Shape(0, 0), new Shape(1, 1), new Shape(2, 2), new Shape(3, 3)
  };

  private final Autocast autocast;
  private final DualOps<NDArray> dual;

  private EagerOps(Autocast autocast) {
    this.autocast = autocast;
    this.dual = new DualOps<>(this, TangentLayout.same());
  }

  /** Eager ops whose matmul-class ops compute through {@code autocast}. */
  public static EagerOps of(Autocast autocast) {
    return autocast == Autocast.FLOAT32 ? FLOAT32 : new EagerOps(autocast);
  }

  /** Dual numbers over these ops: one tangent per value, shaped like it ({@code Layer.jvp}). */
  public DualOps<NDArray> dual() {
    return dual;
  }

  @Override
  public NDArray parameter(NDArray value) {
    return value;
  }

  @Override
  public NDArray constant(NDArray like, float[] values, Shape shape) {
    NDArray c = like.getManager().create(values, shape);
    return c.getDataType() == like.getDataType() ? c : c.toType(like.getDataType(), false);
  }

  @Override
  public NDArray folded(
      NDArray like, Supplier<NDArray> value, Supplier<float[]> current, Shape shape) {
    return value.get();
  }

  @Override
  public NDArray add(NDArray a, NDArray b) {
    return a.add(b);
  }

  @Override
  public NDArray sub(NDArray a, NDArray b) {
    return a.sub(b);
  }

  @Override
  public NDArray mul(NDArray a, NDArray b) {
    return a.mul(b);
  }

  @Override
  public NDArray div(NDArray a, NDArray b) {
    return a.div(b);
  }

  @Override
  public NDArray neg(NDArray x) {
    return x.neg();
  }

  @Override
  public NDArray addScalar(NDArray x, double c) {
    return x.add(c);
  }

  @Override
  public NDArray mulScalar(NDArray x, double c) {
    return Scalars.mul(x, c);
  }

  @Override
  public NDArray minScalar(NDArray x, double c) {
    return Scalars.minimum(x, c);
  }

  @Override
  public NDArray positive(NDArray x) {
    return x.gt(0).toType(x.getDataType(), false);
  }

  @Override
  public NDArray maxScalar(NDArray x, double c) {
    return Scalars.maximum(x, c);
  }

  @Override
  public NDArray abs(NDArray x) {
    return x.abs();
  }

  @Override
  public NDArray sqrt(NDArray x) {
    return x.sqrt();
  }

  @Override
  public NDArray exp(NDArray x) {
    return x.exp();
  }

  @Override
  public NDArray log(NDArray x) {
    return x.log();
  }

  @Override
  public NDArray tanh(NDArray x) {
    return x.tanh();
  }

  @Override
  public NDArray sigmoid(NDArray x) {
    return ai.djl.nn.Activation.sigmoid(x);
  }

  @Override
  public NDArray softplus(NDArray x) {
    return ai.djl.nn.Activation.softPlus(x);
  }

  @Override
  public NDArray relu(NDArray x) {
    return ai.djl.nn.Activation.relu(x);
  }

  @Override
  public NDArray elu(NDArray x) {
    return ai.djl.nn.Activation.elu(x, 1f);
  }

  @Override
  public NDArray linear(NDArray x, NDArray weight, NDArray bias) {
    return autocast.linear(x, weight, bias);
  }

  /**
   * One convolution of images {@code (N, c, h, w)}; images with a leading tangent axis, {@code (k,
   * N, c, h, w)} (dual numbers that carry k tangents at once, as a Jacobian's basis does), are
   * folded into one batch for it and unfolded after, as {@code OnnxOps} does.
   */
  @Override
  public NDArray conv2d(NDArray x, NDArray weight, NDArray bias, int pad) {
    Shape padding = pad < PADDING.length ? PADDING[pad] : new Shape(pad, pad);
    Shape shape = x.getShape();
    if (shape.dimension() != 5) {
      return autocast.conv2d(x, weight, bias, STRIDE, padding);
    }
    NDArray images = x.reshape(new Shape(-1).addAll(shape.slice(2)));
    NDArray out = autocast.conv2d(images, weight, bias, STRIDE, padding);
    return out.reshape(new Shape(shape.get(0), shape.get(1)).addAll(out.getShape().slice(1)));
  }

  @Override
  public NDArray matMul(NDArray a, NDArray b) {
    return a.matMul(b);
  }

  @Override
  public NDList split(NDArray x, int axis, long[] points) {
    return x.split(points, axis);
  }

  @Override
  public NDArray concat(NDArray a, NDArray b, int axis) {
    return a.concat(b, axis);
  }

  @Override
  public NDArray zerosPerSample(NDArray like) {
    return like.getManager().zeros(new Shape(like.getShape().get(0)), like.getDataType());
  }

  @Override
  public NDArray perSample(NDArray like, NDArray value) {
    return value.broadcast(new Shape(like.getShape().get(0)));
  }

  @Override
  public NDArray expandBatch(NDArray like, NDArray value) {
    return value.broadcast(new Shape(like.getShape().get(0)).addAll(value.getShape()));
  }

  @Override
  public NDArray reshape(NDArray x, Shape shape) {
    return x.reshape(shape);
  }

  @Override
  public NDArray softmax(NDArray x, int axis) {
    return x.softmax(axis);
  }

  @Override
  public NDArray cumSum(NDArray x, int axis) {
    return x.cumSum(axis);
  }

  @Override
  public NDArray sum(NDArray x, int axis) {
    return x.sum(new int[] {axis});
  }

  @Override
  public NDArray slice(NDArray x, int axis, long start, long end) {
    NDIndex index = new NDIndex();
    for (int i = 0; i < axis; i++) {
      index.addAllDim();
    }
    return x.get(index.addSliceDim(start, Math.min(end, x.getShape().get(axis))));
  }

  @Override
  public NDArray unsqueeze(NDArray x, int axis) {
    return x.expandDims(axis);
  }

  @Override
  public NDArray transpose(NDArray x, int... axes) {
    return x.transpose(axes);
  }

  @Override
  public NDArray sumAfter(NDArray x, int leading) {
    int rank = x.getShape().dimension();
    if (leading >= rank) {
      return x;
    }
    int[] axes = new int[rank - leading];
    for (int i = 0; i < axes.length; i++) {
      axes[i] = leading + i;
    }
    return x.sum(axes);
  }

  @Override
  public List<NDArray> blocks(NDArray x, int axis, int count) {
    NDList parts = x.split(count, axis);
    List<NDArray> out = new ArrayList<>(count);
    for (NDArray part : parts) {
      out.add(part.squeeze(axis));
    }
    return out;
  }

  /**
   * An LU with partial pivoting per matrix in double precision on the host ({@link Lu}: DJL has no
   * slogdet). Differentiable: the value is the LU result and the gradient that of {@code log|det
   * A|}, {@code ∂/∂A = A^{−T}}, attached through the first-order term {@code Σ A^{−T} ⊙ (A −
   * stop(A))}, which is zero in value; a singular matrix gives {@code −∞} and a zero gradient.
   */
  @Override
  public NDArray logAbsDet(NDArray squareMatrices) {
    Shape shape = squareMatrices.getShape();
    int rank = shape.dimension();
    if (rank < 2 || shape.get(rank - 1) != shape.get(rank - 2)) {
      throw new IllegalArgumentException(
          "logAbsDet needs square matrices (..., d, d), got " + shape);
    }
    int d = Math.toIntExact(shape.get(rank - 1));
    Shape batch = shape.slice(0, rank - 2);
    int count = Math.toIntExact(batch.size());
    float[] flat = squareMatrices.toType(DataType.FLOAT32, false).toFloatArray();
    float[] values = new float[count];
    float[] inverseTransposed = new float[count * d * d];
    double[][] a = new double[d][d];
    for (int s = 0; s < count; s++) {
      for (int r = 0; r < d; r++) {
        for (int c = 0; c < d; c++) {
          a[r][c] = flat[(s * d + r) * d + c];
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
    NDManager m = squareMatrices.getManager();
    DataType type = squareMatrices.getDataType();
    NDArray value = m.create(values, batch).toType(type, false);
    NDArray grad = m.create(inverseTransposed, shape).toType(type, false);
    NDArray firstOrder = grad.mul(squareMatrices.sub(squareMatrices.stopGradient()));
    return value.add(firstOrder.sum(new int[] {rank - 2, rank - 1}));
  }
}
