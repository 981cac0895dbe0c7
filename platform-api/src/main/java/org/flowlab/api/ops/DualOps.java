package org.flowlab.api.ops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Forward-mode differentiation as an interpretation: each op computes its value in the base
 * interpretation and its tangent by the chain rule, in the same base ops. Over the eager
 * interpretation this is {@code Layer.jvp}; over {@link OnnxOps} it records the JVP into the graph
 * (with k tangents per sample), so no layer writes a derivative by hand.
 *
 * @param <T> the value type of the base interpretation
 */
public final class DualOps<T> implements TensorOps<Dual<T>> {
  private final TensorOps<T> base;
  private final TangentLayout<T> layout;

  /**
   * @param base computes values and tangents
   * @param layout how tangents sit next to values
   */
  public DualOps(TensorOps<T> base, TangentLayout<T> layout) {
    this.base = base;
    this.layout = layout;
  }

  /** The interpretation values and tangents are computed in. */
  public TensorOps<T> base() {
    return base;
  }

  /**
   * How tangents sit next to values here: what a caller that keeps a value (a slope, say) and
   * applies it to tangents later lifts it with.
   */
  public TangentLayout<T> layout() {
    return layout;
  }

  private T lift(T primal) {
    return layout.lift(primal);
  }

  /**
   * A pointwise map with value {@code y}: the tangent times the slope f'(x), which {@code slope}
   * computes from y only when there is a tangent.
   */
  private Dual<T> pointwise(Dual<T> x, T y, UnaryOperator<T> slope) {
    T t = x.tangent() == null ? null : base.mul(x.tangent(), lift(slope.apply(y)));
    return new Dual<>(y, t);
  }

  private T sum(T a, T b) {
    if (a == null) {
      return b;
    }
    return b == null ? a : base.add(a, b);
  }

  @Override
  public Dual<T> parameter(NDArray value) {
    return new Dual<>(base.parameter(value), null);
  }

  @Override
  public Dual<T> constant(Dual<T> like, float[] values, Shape shape) {
    return new Dual<>(base.constant(like.primal(), values, shape), null);
  }

  @Override
  public Dual<T> folded(
      Dual<T> like, Supplier<Dual<T>> value, Supplier<float[]> current, Shape shape) {
    return value.get();
  }

  @Override
  public Dual<T> add(Dual<T> a, Dual<T> b) {
    return new Dual<>(base.add(a.primal(), b.primal()), sum(a.tangent(), b.tangent()));
  }

  @Override
  public Dual<T> sub(Dual<T> a, Dual<T> b) {
    T tb = b.tangent();
    T tangent =
        tb == null ? a.tangent() : a.tangent() == null ? base.neg(tb) : base.sub(a.tangent(), tb);
    return new Dual<>(base.sub(a.primal(), b.primal()), tangent);
  }

  @Override
  public Dual<T> mul(Dual<T> a, Dual<T> b) {
    T ta = a.tangent() == null ? null : base.mul(a.tangent(), lift(b.primal()));
    T tb = b.tangent() == null ? null : base.mul(lift(a.primal()), b.tangent());
    return new Dual<>(base.mul(a.primal(), b.primal()), sum(ta, tb));
  }

  @Override
  public Dual<T> div(Dual<T> a, Dual<T> b) {
    T y = base.div(a.primal(), b.primal());
    T tb = b.tangent() == null ? null : base.neg(base.mul(lift(y), b.tangent()));
    T numerator = sum(a.tangent(), tb);
    return new Dual<>(y, numerator == null ? null : base.div(numerator, lift(b.primal())));
  }

  @Override
  public Dual<T> neg(Dual<T> x) {
    return new Dual<>(base.neg(x.primal()), x.tangent() == null ? null : base.neg(x.tangent()));
  }

  @Override
  public Dual<T> addScalar(Dual<T> x, double c) {
    return new Dual<>(base.addScalar(x.primal(), c), x.tangent());
  }

  @Override
  public Dual<T> mulScalar(Dual<T> x, double c) {
    T t = x.tangent() == null ? null : base.mulScalar(x.tangent(), c);
    return new Dual<>(base.mulScalar(x.primal(), c), t);
  }

  @Override
  public Dual<T> minScalar(Dual<T> x, double c) {
    // slope 1 below c, 0 above
    return pointwise(
        x,
        base.minScalar(x.primal(), c),
        y -> base.addScalar(base.neg(base.positive(base.addScalar(x.primal(), -c))), 1));
  }

  @Override
  public Dual<T> maxScalar(Dual<T> x, double c) {
    return pointwise(
        x, base.maxScalar(x.primal(), c), y -> base.positive(base.addScalar(x.primal(), -c)));
  }

  @Override
  public Dual<T> abs(Dual<T> x) {
    return pointwise(
        x,
        base.abs(x.primal()),
        y -> base.addScalar(base.mulScalar(base.positive(x.primal()), 2), -1));
  }

  @Override
  public Dual<T> sqrt(Dual<T> x) {
    T y = base.sqrt(x.primal());
    T t = x.tangent() == null ? null : base.div(x.tangent(), lift(base.mulScalar(y, 2)));
    return new Dual<>(y, t);
  }

  @Override
  public Dual<T> positive(Dual<T> x) {
    return new Dual<>(base.positive(x.primal()), null);
  }

  @Override
  public Dual<T> exp(Dual<T> x) {
    return pointwise(x, base.exp(x.primal()), y -> y);
  }

  @Override
  public Dual<T> log(Dual<T> x) {
    T y = base.log(x.primal());
    T t = x.tangent() == null ? null : base.div(x.tangent(), lift(x.primal()));
    return new Dual<>(y, t);
  }

  @Override
  public Dual<T> tanh(Dual<T> x) {
    return pointwise(x, base.tanh(x.primal()), y -> base.addScalar(base.neg(base.mul(y, y)), 1));
  }

  @Override
  public Dual<T> sigmoid(Dual<T> x) {
    return pointwise(x, base.sigmoid(x.primal()), s -> base.mul(s, base.addScalar(base.neg(s), 1)));
  }

  @Override
  public Dual<T> softplus(Dual<T> x) {
    return pointwise(x, base.softplus(x.primal()), y -> base.sigmoid(x.primal()));
  }

  @Override
  public Dual<T> relu(Dual<T> x) {
    return pointwise(x, base.relu(x.primal()), y -> base.positive(x.primal()));
  }

  @Override
  public Dual<T> elu(Dual<T> x) {
    // 1 for x > 0, exp(x) otherwise: p + (1 − p)·exp(min(x, 0)), exact for p in {0, 1}
    return pointwise(
        x,
        base.elu(x.primal()),
        y -> {
          T p = base.positive(x.primal());
          T negative = base.exp(base.minScalar(x.primal(), 0));
          return base.add(p, base.mul(base.addScalar(base.neg(p), 1), negative));
        });
  }

  @Override
  public Dual<T> linear(Dual<T> x, Dual<T> weight, Dual<T> bias) {
    T y = base.linear(x.primal(), weight.primal(), bias == null ? null : bias.primal());
    T t = x.tangent() == null ? null : base.linear(x.tangent(), weight.primal(), null);
    if (weight.tangent() != null) {
      t = sum(t, base.linear(lift(x.primal()), weight.tangent(), null));
    }
    if (bias != null && bias.tangent() != null) {
      t = t == null ? bias.tangent() : base.add(t, bias.tangent());
    }
    return new Dual<>(y, t);
  }

  @Override
  public Dual<T> conv2d(Dual<T> x, Dual<T> weight, Dual<T> bias, int pad) {
    T b = bias == null ? null : bias.primal();
    T y = base.conv2d(x.primal(), weight.primal(), b, pad);
    T t = x.tangent() == null ? null : base.conv2d(x.tangent(), weight.primal(), null, pad);
    if (weight.tangent() != null || (bias != null && bias.tangent() != null)) {
      throw new UnsupportedOperationException(
          "conv2d differentiates in its input only; its weight and bias must be parameters");
    }
    return new Dual<>(y, t);
  }

  @Override
  public Dual<T> matMul(Dual<T> a, Dual<T> b) {
    T ta = a.tangent() == null ? null : base.matMul(a.tangent(), b.primal());
    T tb = b.tangent() == null ? null : base.matMul(lift(a.primal()), b.tangent());
    return new Dual<>(base.matMul(a.primal(), b.primal()), sum(ta, tb));
  }

  @Override
  public List<Dual<T>> split(Dual<T> x, int axis, long[] points) {
    List<T> values = base.split(x.primal(), axis, points);
    List<T> tangents =
        x.tangent() == null ? null : base.split(x.tangent(), axis + layout.extraAxes(), points);
    List<Dual<T>> out = new ArrayList<>(values.size());
    for (int i = 0; i < values.size(); i++) {
      out.add(new Dual<>(values.get(i), tangents == null ? null : tangents.get(i)));
    }
    return out;
  }

  @Override
  public Dual<T> concat(Dual<T> a, Dual<T> b, int axis) {
    T t = null;
    if (a.tangent() != null || b.tangent() != null) {
      if (a.tangent() == null || b.tangent() == null) {
        throw new UnsupportedOperationException(
            "concat of a value with a tangent and one without: give the constant a zero tangent");
      }
      t = base.concat(a.tangent(), b.tangent(), axis + layout.extraAxes());
    }
    return new Dual<>(base.concat(a.primal(), b.primal(), axis), t);
  }

  @Override
  public Dual<T> zerosPerSample(Dual<T> like) {
    return new Dual<>(base.zerosPerSample(like.primal()), null);
  }

  @Override
  public Dual<T> perSample(Dual<T> like, Dual<T> value) {
    T t = value.tangent() == null ? null : base.perSample(like.primal(), value.tangent());
    return new Dual<>(base.perSample(like.primal(), value.primal()), t);
  }

  @Override
  public Dual<T> expandBatch(Dual<T> like, Dual<T> value) {
    T t = value.tangent() == null ? null : base.expandBatch(like.primal(), value.tangent());
    return new Dual<>(base.expandBatch(like.primal(), value.primal()), t);
  }

  @Override
  public Dual<T> reshape(Dual<T> x, Shape shape) {
    T t = x.tangent() == null ? null : base.reshape(x.tangent(), layout.tangentShape(shape));
    return new Dual<>(base.reshape(x.primal(), shape), t);
  }

  /** {@code y ⊙ (t − Σ y ⊙ t)} along the axis. */
  @Override
  public Dual<T> softmax(Dual<T> x, int axis) {
    T y = base.softmax(x.primal(), axis);
    if (x.tangent() == null) {
      return new Dual<>(y, null);
    }
    int tangentAxis = axis + layout.extraAxes();
    T weighted = base.mul(lift(y), x.tangent());
    T mean = base.unsqueeze(base.sum(weighted, tangentAxis), tangentAxis);
    return new Dual<>(y, base.sub(weighted, base.mul(lift(y), mean)));
  }

  @Override
  public Dual<T> cumSum(Dual<T> x, int axis) {
    T t = x.tangent() == null ? null : base.cumSum(x.tangent(), axis + layout.extraAxes());
    return new Dual<>(base.cumSum(x.primal(), axis), t);
  }

  @Override
  public Dual<T> sum(Dual<T> x, int axis) {
    T t = x.tangent() == null ? null : base.sum(x.tangent(), axis + layout.extraAxes());
    return new Dual<>(base.sum(x.primal(), axis), t);
  }

  @Override
  public Dual<T> slice(Dual<T> x, int axis, long start, long end) {
    T t =
        x.tangent() == null ? null : base.slice(x.tangent(), axis + layout.extraAxes(), start, end);
    return new Dual<>(base.slice(x.primal(), axis, start, end), t);
  }

  @Override
  public Dual<T> unsqueeze(Dual<T> x, int axis) {
    T t = x.tangent() == null ? null : base.unsqueeze(x.tangent(), axis + layout.extraAxes());
    return new Dual<>(base.unsqueeze(x.primal(), axis), t);
  }

  @Override
  public Dual<T> transpose(Dual<T> x, int... axes) {
    T t = null;
    if (x.tangent() != null) {
      int extra = layout.extraAxes();
      if (extra > 0 && axes[0] != 0) {
        throw new UnsupportedOperationException("tangents keep the batch axis first");
      }
      int[] moved = new int[axes.length + extra];
      for (int i = 0; i <= extra; i++) {
        moved[i] = i;
      }
      for (int i = 1; i < axes.length; i++) {
        moved[i + extra] = axes[i] + extra;
      }
      t = base.transpose(x.tangent(), extra == 0 ? axes : moved);
    }
    return new Dual<>(base.transpose(x.primal(), axes), t);
  }

  @Override
  public Dual<T> sumAfter(Dual<T> x, int leading) {
    T t = x.tangent() == null ? null : base.sumAfter(x.tangent(), leading + layout.extraAxes());
    return new Dual<>(base.sumAfter(x.primal(), leading), t);
  }

  @Override
  public List<Dual<T>> blocks(Dual<T> x, int axis, int count) {
    List<T> values = base.blocks(x.primal(), axis, count);
    List<T> tangents =
        x.tangent() == null ? null : base.blocks(x.tangent(), axis + layout.extraAxes(), count);
    List<Dual<T>> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      out.add(new Dual<>(values.get(i), tangents == null ? null : tangents.get(i)));
    }
    return out;
  }

  /**
   * The value only: a matrix with a tangent is refused with {@link UnsupportedOperationException},
   * since its derivative {@code tr(A⁻¹ dA)} needs a matrix inverse, which ONNX's standard opset
   * lacks, and no definition differentiates a determinant forward (the residual block's exact
   * log-det takes J's columns from a JVP as plain values).
   */
  @Override
  public Dual<T> logAbsDet(Dual<T> squareMatrices) {
    if (squareMatrices.tangent() != null) {
      throw new UnsupportedOperationException(
          "logAbsDet has no forward-mode derivative (tr(A^-1 dA) needs a matrix inverse, which"
              + " ONNX lacks): compute the matrices as plain values, not under a JVP");
    }
    return new Dual<>(base.logAbsDet(squareMatrices.primal()), null);
  }
}
