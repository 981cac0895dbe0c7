package org.flowlab.api.bijector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import java.util.List;
import java.util.Map;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.Scalars;
import org.flowlab.api.onnx.OnnxGraph;

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
 * knots ≤ x, as a one-hot mask that selects the bin's values by a sum; the ONNX emission does the
 * same, so both agree on knots. A point exactly on a knot belongs to the bin on its right; x = B to
 * the last bin.
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
  public Result forward(NDArray x, NDArray params) {
    return apply(x, params, false);
  }

  @Override
  public Result inverse(NDArray y, NDArray params) {
    return apply(y, params, true);
  }

  private Result apply(NDArray v, NDArray params, boolean inverse) {
    NDList raw = params.split(new long[] {bins, 2L * bins}, 1);
    NDArray xs = knots(raw.get(0), minWidth);
    NDArray ys = knots(raw.get(1), minHeight);
    NDArray edge = v.expandDims(1).zerosLike();
    NDArray interior = Activation.softplus(raw.get(2).add(derivativeShift)).add(minDerivative);
    NDArray ones = edge.add(1);
    NDArray derivatives = NDArrays.concat(new NDList(ones, interior, ones), 1);

    NDArray inside = v.abs().gt(bound).toType(v.getDataType(), false).neg().add(1);
    NDArray clamped = Scalars.minimum(Scalars.maximum(v, -bound), bound);
    NDArray oneHot = oneHot(inverse ? ys : xs, clamped, edge);
    NDArray xLeft = select(oneHot, xs, 0);
    NDArray width = select(oneHot, xs, 1).sub(xLeft);
    NDArray yLeft = select(oneHot, ys, 0);
    NDArray height = select(oneHot, ys, 1).sub(yLeft);
    NDArray d0 = select(oneHot, derivatives, 0);
    NDArray d1 = select(oneHot, derivatives, 1);
    NDArray slope = height.div(width);
    NDArray curvature = d0.add(d1).sub(slope.add(slope));

    NDArray xi;
    NDArray mapped;
    if (inverse) {
      NDArray dy = clamped.sub(yLeft);
      NDArray a = height.mul(slope.sub(d0)).add(dy.mul(curvature));
      NDArray b = height.mul(d0).sub(dy.mul(curvature));
      NDArray c = slope.mul(dy).neg();
      NDArray disc = Scalars.maximum(b.square().sub(Scalars.mul(a.mul(c), 4)), 0);
      xi = c.add(c).div(b.neg().sub(disc.sqrt()));
      mapped = xi.mul(width).add(xLeft);
    } else {
      xi = clamped.sub(xLeft).div(width);
      NDArray t = xi.mul(xi.neg().add(1));
      NDArray numerator = height.mul(slope.mul(xi.square()).add(d0.mul(t)));
      mapped = yLeft.add(numerator.div(slope.add(curvature.mul(t))));
    }
    NDArray logDerivative = logDerivative(xi, slope, d0, d1, curvature);
    if (inverse) {
      logDerivative = logDerivative.neg();
    }
    NDArray outside = inside.neg().add(1);
    return new Result(mapped.mul(inside).add(v.mul(outside)), logDerivative.mul(inside));
  }

  /** {@code log dy/dx} at ξ: {@code log s²(δ₁ξ² + 2sξ(1−ξ) + δ₀(1−ξ)²) − 2 log(denominator)}. */
  private static NDArray logDerivative(
      NDArray xi, NDArray slope, NDArray d0, NDArray d1, NDArray curvature) {
    NDArray oneMinus = xi.neg().add(1);
    NDArray t = xi.mul(oneMinus);
    NDArray inner =
        d1.mul(xi.square()).add(Scalars.mul(slope.mul(t), 2)).add(d0.mul(oneMinus.square()));
    NDArray denominator = slope.add(curvature.mul(t));
    return slope.square().mul(inner).log().sub(Scalars.mul(denominator.log(), 2));
  }

  /**
   * The K + 1 knots of every element, {@code (N, K + 1, event...)}: of the input ({@code x_k}) or,
   * with {@code heights}, of the output ({@code y_k}). For tests that put points on the knots.
   */
  NDArray knots(NDArray params, boolean heights) {
    NDArray raw = params.split(new long[] {bins, 2L * bins}, 1).get(heights ? 1 : 0);
    return knots(raw, heights ? minHeight : minWidth);
  }

  /**
   * The K + 1 knots along axis 1 from K raw sizes: softmax, the minimum size, cumulative sums
   * scaled to {@code [−B, B]}, with the end knots exactly ±B.
   */
  private NDArray knots(NDArray raw, double minimum) {
    NDArray sizes = Scalars.mul(raw.softmax(1), 1 - minimum * bins).add(minimum);
    NDArray cumulative = sizes.cumSum(1).get(new NDIndex(":, :{}", bins - 1));
    NDArray interior = Scalars.mul(cumulative, 2 * bound).sub(bound);
    NDArray edge = cumulative.get(new NDIndex(":, :1")).zerosLike();
    return NDArrays.concat(new NDList(edge.sub(bound), interior, edge.add(bound)), 1);
  }

  /**
   * The bin of every element as a one-hot mask along axis 1, {@code (N, K, event...)}: bin k when k
   * interior knots are ≤ v.
   */
  private NDArray oneHot(NDArray knots, NDArray v, NDArray edge) {
    NDArray interior = knots.get(new NDIndex(":, 1:{}", bins));
    NDArray atOrAbove = interior.gt(v.expandDims(1)).toType(v.getDataType(), false).neg().add(1);
    NDArray lower = NDArrays.concat(new NDList(edge.add(1), atOrAbove), 1);
    NDArray upper = NDArrays.concat(new NDList(atOrAbove, edge), 1);
    return lower.sub(upper);
  }

  /** The value at knot {@code k + offset} of each element's bin k, shape {@code (N, event...)}. */
  private NDArray select(NDArray oneHot, NDArray knots, int offset) {
    NDArray values = knots.get(new NDIndex(":, {}:{}", offset, offset + bins));
    return values.mul(oneHot).sum(new int[] {1});
  }

  // ---- ONNX: the same formulas, op for op ---------------------------------------------------

  @Override
  public Emitted emitForward(OnnxGraph graph, String x, String params) {
    return emit(graph, x, params, false);
  }

  @Override
  public Emitted emitInverse(OnnxGraph graph, String y, String params) {
    return emit(graph, y, params, true);
  }

  private Emitted emit(OnnxGraph graph, String v, String params, boolean inverse) {
    List<String> raw = graph.split(params, 1, bins, bins, bins - 1L);
    String xs = emitKnots(graph, raw.get(0), minWidth);
    String ys = emitKnots(graph, raw.get(1), minHeight);
    String edge = graph.mulScalar(graph.unsqueeze(v, 1), 0);
    String interior =
        graph.addScalar(
            graph.softplus(graph.addScalar(raw.get(2), derivativeShift)), minDerivative);
    String ones = graph.addScalar(edge, 1);
    String derivatives = graph.concat(1, ones, interior, ones);

    String outside = graph.greaterAsFloat(graph.abs(v), graph.scalar(bound));
    String inside = graph.sub(graph.scalar(1), outside);
    String clamped =
        graph.min(graph.op("Max", List.of(v, graph.scalar(-bound)), Map.of()), graph.scalar(bound));
    String oneHot = emitOneHot(graph, inverse ? ys : xs, clamped, edge);
    String xLeft = emitSelect(graph, oneHot, xs, 0);
    String width = graph.sub(emitSelect(graph, oneHot, xs, 1), xLeft);
    String yLeft = emitSelect(graph, oneHot, ys, 0);
    String height = graph.sub(emitSelect(graph, oneHot, ys, 1), yLeft);
    String d0 = emitSelect(graph, oneHot, derivatives, 0);
    String d1 = emitSelect(graph, oneHot, derivatives, 1);
    String slope = graph.div(height, width);
    String curvature = graph.sub(graph.add(d0, d1), graph.add(slope, slope));

    String xi;
    String mapped;
    if (inverse) {
      String dy = graph.sub(clamped, yLeft);
      String a = graph.add(graph.mul(height, graph.sub(slope, d0)), graph.mul(dy, curvature));
      String b = graph.sub(graph.mul(height, d0), graph.mul(dy, curvature));
      String c = graph.neg(graph.mul(slope, dy));
      String disc =
          graph.op(
              "Max",
              List.of(
                  graph.sub(graph.square(b), graph.mulScalar(graph.mul(a, c), 4)), graph.scalar(0)),
              Map.of());
      String root = graph.op("Sqrt", List.of(disc), Map.of());
      xi = graph.div(graph.add(c, c), graph.sub(graph.neg(b), root));
      mapped = graph.add(graph.mul(xi, width), xLeft);
    } else {
      xi = graph.div(graph.sub(clamped, xLeft), width);
      String t = graph.mul(xi, graph.addScalar(graph.neg(xi), 1));
      String numerator =
          graph.mul(height, graph.add(graph.mul(slope, graph.square(xi)), graph.mul(d0, t)));
      mapped = graph.add(yLeft, graph.div(numerator, graph.add(slope, graph.mul(curvature, t))));
    }
    String logDerivative = emitLogDerivative(graph, xi, slope, d0, d1, curvature);
    if (inverse) {
      logDerivative = graph.neg(logDerivative);
    }
    String value = graph.add(graph.mul(mapped, inside), graph.mul(v, outside));
    return new Emitted(value, graph.mul(logDerivative, inside));
  }

  private static String emitLogDerivative(
      OnnxGraph graph, String xi, String slope, String d0, String d1, String curvature) {
    String oneMinus = graph.addScalar(graph.neg(xi), 1);
    String t = graph.mul(xi, oneMinus);
    String inner =
        graph.add(
            graph.add(graph.mul(d1, graph.square(xi)), graph.mulScalar(graph.mul(slope, t), 2)),
            graph.mul(d0, graph.square(oneMinus)));
    String denominator = graph.add(slope, graph.mul(curvature, t));
    return graph.sub(
        graph.log(graph.mul(graph.square(slope), inner)),
        graph.mulScalar(graph.log(denominator), 2));
  }

  private String emitKnots(OnnxGraph graph, String raw, double minimum) {
    String softmax = graph.op("Softmax", List.of(raw), Map.of("axis", 1L));
    String sizes = graph.addScalar(graph.mulScalar(softmax, 1 - minimum * bins), minimum);
    String axis = graph.op("Constant", List.of(), Map.of("value_int", 1L));
    String cumulative =
        graph.slice(graph.op("CumSum", List.of(sizes, axis), Map.of()), 1, 0, bins - 1);
    String interior = graph.addScalar(graph.mulScalar(cumulative, 2 * bound), -bound);
    String edge = graph.mulScalar(graph.slice(cumulative, 1, 0, 1), 0);
    return graph.concat(1, graph.addScalar(edge, -bound), interior, graph.addScalar(edge, bound));
  }

  private String emitOneHot(OnnxGraph graph, String knots, String v, String edge) {
    String interior = graph.slice(knots, 1, 1, bins);
    String atOrAbove =
        graph.sub(graph.scalar(1), graph.greaterAsFloat(interior, graph.unsqueeze(v, 1)));
    String lower = graph.concat(1, graph.addScalar(edge, 1), atOrAbove);
    String upper = graph.concat(1, atOrAbove, edge);
    return graph.sub(lower, upper);
  }

  private String emitSelect(OnnxGraph graph, String oneHot, String knots, int offset) {
    String values = graph.slice(knots, 1, offset, offset + bins);
    return graph.reduceSum(graph.mul(values, oneHot), false, 1);
  }
}
