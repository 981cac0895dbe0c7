package org.flowlab.api.bijector;

import ai.djl.ndarray.NDArray;
import java.util.List;
import org.flowlab.api.nn.EagerOps;
import org.flowlab.api.ops.Mapped;
import org.flowlab.api.ops.TensorOps;

/**
 * The monotonic rational-quadratic spline of neural spline flows (Durkan et al. 2019), elementwise:
 * K bins on {@code [−B, B]}, the identity outside (linear tails). Each element has {@code P = 3K −
 * 1} unconstrained parameters, in blocks along axis 1: K bin widths, K bin heights (softmax, then a
 * minimum size), and K − 1 interior knot derivatives (softplus plus a minimum); the derivatives at
 * ±B are 1, so the tails join smoothly. The softplus is shifted so that all-zero parameters give
 * the identity: a conditioner whose last layer starts at zero starts every spline as the identity.
 *
 * <p>Forward (data → latent) in bin k with {@code ξ = (x − x_k)/w_k}, {@code s = h_k/w_k}: {@code y
 * = y_k + h_k(sξ² + δ_kξ(1−ξ)) / (s + (δ_{k+1} + δ_k − 2s)ξ(1−ξ))}, log-derivative in closed form.
 * Inverse: the root of the quadratic in ξ in the stable form {@code 2c / (−b − √(b² − 4ac))}, the
 * discriminant clamped at 0. The bin of a point is found by comparisons: the count of interior
 * knots ≤ x, as a one-hot mask that selects the bin's values by a sum; written once over {@link
 * TensorOps}, so the ONNX emission makes the same comparisons and both agree on knots. A point
 * exactly on a knot belongs to the bin on its right; x = B to the last bin.
 */
public final class RationalQuadraticSpline implements ElementwiseTransform {
  /** The default minimum bin width, bin height and derivative (as in the paper's code). */
  public static final double DEFAULT_MINIMUM = 1e-3;

  private final int bins;
  private final double bound;
  private final double minWidth;
  private final double minHeight;
  private final double minDerivative;
  private final double derivativeShift;
  private final long[] blockPoints;

  /**
   * @param bins K, at least 2
   * @param tailBound B: the spline acts on {@code [−B, B]}, positive
   * @param minBinWidth the least bin width as a fraction of 2B, in {@code [0, 1/K)}
   * @param minBinHeight the least bin height as a fraction of 2B, in {@code [0, 1/K)}
   * @param minDerivative the least interior derivative, in {@code [0, 1)}
   */
  public RationalQuadraticSpline(
      int bins, double tailBound, double minBinWidth, double minBinHeight, double minDerivative) {
    if (bins < 2) {
      throw new IllegalArgumentException("a spline needs at least 2 bins, got " + bins);
    }
    if (!(tailBound > 0)) {
      throw new IllegalArgumentException("the tail bound must be positive, got " + tailBound);
    }
    if (!(minBinWidth >= 0 && minBinWidth * bins < 1)) {
      throw new IllegalArgumentException(
          "min bin width must be in [0, 1/bins) = [0, " + 1.0 / bins + "), got " + minBinWidth);
    }
    if (!(minBinHeight >= 0 && minBinHeight * bins < 1)) {
      throw new IllegalArgumentException(
          "min bin height must be in [0, 1/bins) = [0, " + 1.0 / bins + "), got " + minBinHeight);
    }
    if (!(minDerivative >= 0 && minDerivative < 1)) {
      throw new IllegalArgumentException("min derivative must be in [0, 1), got " + minDerivative);
    }
    this.bins = bins;
    this.bound = tailBound;
    this.minWidth = minBinWidth;
    this.minHeight = minBinHeight;
    this.minDerivative = minDerivative;
    // softplus(0 + shift) + min = 1: zero parameters give derivative 1 at every knot.
    this.derivativeShift = Math.log(Math.expm1(1 - minDerivative));
    this.blockPoints = new long[] {bins, 2L * bins};
  }

  /** The number K of bins. */
  public int bins() {
    return bins;
  }

  @Override
  public int paramsPerElement() {
    return 3 * bins - 1;
  }

  @Override
  public <T> Mapped<T> forward(TensorOps<T> ops, T x, T params) {
    return apply(ops, x, params, false);
  }

  @Override
  public <T> Mapped<T> inverse(TensorOps<T> ops, T y, T params) {
    return apply(ops, y, params, true);
  }

  private <T> Mapped<T> apply(TensorOps<T> ops, T v, T params, boolean inverse) {
    List<T> raw = ops.split(params, 1, blockPoints);
    T xs = knots(ops, raw.get(0), minWidth);
    T ys = knots(ops, raw.get(1), minHeight);
    T edge = ops.mulScalar(ops.unsqueeze(v, 1), 0);
    T interior =
        ops.addScalar(ops.softplus(ops.addScalar(raw.get(2), derivativeShift)), minDerivative);
    T ones = ops.addScalar(edge, 1);
    T derivatives = ops.concat(ops.concat(ones, interior, 1), ones, 1);

    T outside = ops.positive(ops.addScalar(ops.abs(v), -bound));
    T inside = ops.addScalar(ops.neg(outside), 1);
    T clamped = ops.minScalar(ops.maxScalar(v, -bound), bound);
    T oneHot = oneHot(ops, inverse ? ys : xs, clamped, edge);
    T xLeft = select(ops, oneHot, xs, 0);
    T width = ops.sub(select(ops, oneHot, xs, 1), xLeft);
    T yLeft = select(ops, oneHot, ys, 0);
    T height = ops.sub(select(ops, oneHot, ys, 1), yLeft);
    T d0 = select(ops, oneHot, derivatives, 0);
    T d1 = select(ops, oneHot, derivatives, 1);
    T slope = ops.div(height, width);
    T curvature = ops.sub(ops.add(d0, d1), ops.add(slope, slope));

    T xi;
    T mapped;
    if (inverse) {
      T dy = ops.sub(clamped, yLeft);
      T a = ops.add(ops.mul(height, ops.sub(slope, d0)), ops.mul(dy, curvature));
      T b = ops.sub(ops.mul(height, d0), ops.mul(dy, curvature));
      T c = ops.neg(ops.mul(slope, dy));
      T disc = ops.maxScalar(ops.sub(ops.mul(b, b), ops.mulScalar(ops.mul(a, c), 4)), 0);
      xi = ops.div(ops.add(c, c), ops.sub(ops.neg(b), ops.sqrt(disc)));
      mapped = ops.add(ops.mul(xi, width), xLeft);
    } else {
      xi = ops.div(ops.sub(clamped, xLeft), width);
      T t = ops.mul(xi, ops.addScalar(ops.neg(xi), 1));
      T numerator = ops.mul(height, ops.add(ops.mul(slope, ops.mul(xi, xi)), ops.mul(d0, t)));
      mapped = ops.add(yLeft, ops.div(numerator, ops.add(slope, ops.mul(curvature, t))));
    }
    T logDerivative = logDerivative(ops, xi, slope, d0, d1, curvature);
    if (inverse) {
      logDerivative = ops.neg(logDerivative);
    }
    T value = ops.add(ops.mul(mapped, inside), ops.mul(v, outside));
    return new Mapped<>(value, ops.mul(logDerivative, inside));
  }

  /** {@code log dy/dx} at ξ: {@code log s²(δ₁ξ² + 2sξ(1−ξ) + δ₀(1−ξ)²) − 2 log(denominator)}. */
  private static <T> T logDerivative(TensorOps<T> ops, T xi, T slope, T d0, T d1, T curvature) {
    T oneMinus = ops.addScalar(ops.neg(xi), 1);
    T t = ops.mul(xi, oneMinus);
    T inner =
        ops.add(
            ops.add(ops.mul(d1, ops.mul(xi, xi)), ops.mulScalar(ops.mul(slope, t), 2)),
            ops.mul(d0, ops.mul(oneMinus, oneMinus)));
    T denominator = ops.add(slope, ops.mul(curvature, t));
    return ops.sub(
        ops.log(ops.mul(ops.mul(slope, slope), inner)), ops.mulScalar(ops.log(denominator), 2));
  }

  /**
   * The K + 1 knots of every element, {@code (N, K + 1, event...)}: of the input ({@code x_k}) or,
   * with {@code heights}, of the output ({@code y_k}). For tests that put points on the knots.
   */
  NDArray knots(NDArray params, boolean heights) {
    List<NDArray> raw = EagerOps.FLOAT32.split(params, 1, blockPoints);
    return knots(EagerOps.FLOAT32, raw.get(heights ? 1 : 0), heights ? minHeight : minWidth);
  }

  /**
   * The K + 1 knots along axis 1 from K raw sizes: softmax, the minimum size, cumulative sums
   * scaled to {@code [−B, B]}, with the end knots exactly ±B.
   */
  private <T> T knots(TensorOps<T> ops, T raw, double minimum) {
    T sizes = ops.addScalar(ops.mulScalar(ops.softmax(raw, 1), 1 - minimum * bins), minimum);
    T cumulative = ops.slice(ops.cumSum(sizes, 1), 1, 0, bins - 1);
    T interior = ops.addScalar(ops.mulScalar(cumulative, 2 * bound), -bound);
    T edge = ops.mulScalar(ops.slice(cumulative, 1, 0, 1), 0);
    T inner = ops.concat(ops.addScalar(edge, -bound), interior, 1);
    return ops.concat(inner, ops.addScalar(edge, bound), 1);
  }

  /**
   * The bin of every element as a one-hot mask along axis 1, {@code (N, K, event...)}: bin k when k
   * interior knots are ≤ v.
   */
  private <T> T oneHot(TensorOps<T> ops, T knots, T v, T edge) {
    T interior = ops.slice(knots, 1, 1, bins);
    T above = ops.positive(ops.sub(interior, ops.unsqueeze(v, 1)));
    T atOrAbove = ops.addScalar(ops.neg(above), 1);
    T lower = ops.concat(ops.addScalar(edge, 1), atOrAbove, 1);
    T upper = ops.concat(atOrAbove, edge, 1);
    return ops.sub(lower, upper);
  }

  /** The value at knot {@code k + offset} of each element's bin k, shape {@code (N, event...)}. */
  private <T> T select(TensorOps<T> ops, T oneHot, T knots, int offset) {
    return ops.sum(ops.mul(ops.slice(knots, 1, offset, offset + bins), oneHot), 1);
  }
}
