package org.flowlab.api.ops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

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

  private T lift(T primal) {
    return layout.lift(primal);
  }

  /** t · f'(x) for a pointwise f, the slope given as a value. */
  private Dual<T> chain(T value, T tangent, T slope) {
    return new Dual<>(value, tangent == null ? null : base.mul(tangent, lift(slope)));
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
    T y = base.minScalar(x.primal(), c);
    if (x.tangent() == null) {
      return new Dual<>(y, null);
    }
    // slope 1 below c, 0 above
    T below = base.addScalar(base.neg(base.positive(base.addScalar(x.primal(), -c))), 1);
    return chain(y, x.tangent(), below);
  }

  @Override
  public Dual<T> positive(Dual<T> x) {
    return new Dual<>(base.positive(x.primal()), null);
  }

  @Override
  public Dual<T> exp(Dual<T> x) {
    T y = base.exp(x.primal());
    return chain(y, x.tangent(), y);
  }

  @Override
  public Dual<T> log(Dual<T> x) {
    T y = base.log(x.primal());
    T t = x.tangent() == null ? null : base.div(x.tangent(), lift(x.primal()));
    return new Dual<>(y, t);
  }

  @Override
  public Dual<T> tanh(Dual<T> x) {
    T y = base.tanh(x.primal());
    if (x.tangent() == null) {
      return new Dual<>(y, null);
    }
    return chain(y, x.tangent(), base.addScalar(base.neg(base.mul(y, y)), 1));
  }

  @Override
  public Dual<T> sigmoid(Dual<T> x) {
    T s = base.sigmoid(x.primal());
    if (x.tangent() == null) {
      return new Dual<>(s, null);
    }
    return chain(s, x.tangent(), base.mul(s, base.addScalar(base.neg(s), 1)));
  }

  @Override
  public Dual<T> softplus(Dual<T> x) {
    T y = base.softplus(x.primal());
    if (x.tangent() == null) {
      return new Dual<>(y, null);
    }
    return chain(y, x.tangent(), base.sigmoid(x.primal()));
  }

  @Override
  public Dual<T> relu(Dual<T> x) {
    T y = base.relu(x.primal());
    if (x.tangent() == null) {
      return new Dual<>(y, null);
    }
    return chain(y, x.tangent(), base.positive(x.primal()));
  }

  @Override
  public Dual<T> elu(Dual<T> x) {
    T y = base.elu(x.primal());
    if (x.tangent() == null) {
      return new Dual<>(y, null);
    }
    // 1 for x > 0, exp(x) otherwise: p + (1 − p)·exp(min(x, 0)), exact for p in {0, 1}
    T p = base.positive(x.primal());
    T negative = base.exp(base.minScalar(x.primal(), 0));
    T slope = base.add(p, base.mul(base.addScalar(base.neg(p), 1), negative));
    return chain(y, x.tangent(), slope);
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
  public Dual<T> view(Dual<T> value, Shape shape) {
    if (value.tangent() != null) {
      throw new UnsupportedOperationException(
          "view reshapes values without a batch axis, which have no tangent here");
    }
    return new Dual<>(base.view(value.primal(), shape), null);
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
}
