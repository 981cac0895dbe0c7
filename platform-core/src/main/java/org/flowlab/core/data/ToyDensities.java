package org.flowlab.core.data;

import java.util.OptionalDouble;
import java.util.SplittableRandom;
import org.apache.commons.math3.special.Erf;

/**
 * The 2D toy densities of the flow literature, following the generators in FFJORD's {@code
 * lib/toy_data.py} (Grathwohl, Chen et al., 2019) with the same constants. Where that file draws a
 * fixed grid of angles or a fixed number of points per class, these draw the continuous
 * distribution it approximates (uniform angle, uniformly chosen class), so every point is i.i.d.
 *
 * <p>Known entropies (nats): {@code gaussian} and {@code checkerboard} are exact; {@code
 * 8gaussians}, {@code rings}, {@code circles}, {@code moons} and {@code 2spirals} are Monte Carlo
 * estimates of {@code −E[log p(X)]} under their densities (closed form, or a 1D integral along the
 * curve by Simpson's rule), each hard-coded with its standard error and re-checked by a test with a
 * different seed. {@code pinwheel} has no density here; its entropy is empty.
 */
public final class ToyDensities {
  private ToyDensities() {}

  private static final double LOG_2PI = Math.log(2 * Math.PI);

  /** FFJORD's divisor for 8gaussians (the literal 1.414, not √2). */
  static final double EIGHT_GAUSSIANS_DIVISOR = 1.414;

  /**
   * {@code 8gaussians}: equal-weight mixture of 8 isotropic Gaussians with centers {@code (4/1.414)
   * (cos kπ/4, sin kπ/4)}, k = 0..7 (radius ≈ 2.828854), and per-axis standard deviation {@code
   * 0.5/1.414} ≈ 0.353607 — FFJORD's "centers at 4·unit circle points plus N(0, 0.5²), all divided
   * by 1.414".
   *
   * <p>Entropy (Monte Carlo, 4·10⁶ samples, stream {@code Seeds.stream(0, "entropy/8gaussians")}):
   * {@value #EIGHT_GAUSSIANS_ENTROPY} ± {@value #EIGHT_GAUSSIANS_ENTROPY_SE} nats (one standard
   * error).
   */
  public static ToyDensity eightGaussians() {
    double radius = 4.0 / EIGHT_GAUSSIANS_DIVISOR;
    double[] cx = new double[8];
    double[] cy = new double[8];
    for (int k = 0; k < 8; k++) {
      cx[k] = radius * Math.cos(k * Math.PI / 4);
      cy[k] = radius * Math.sin(k * Math.PI / 4);
    }
    return new GaussianMixture(
        "8gaussians",
        cx,
        cy,
        0.5 / EIGHT_GAUSSIANS_DIVISOR,
        EIGHT_GAUSSIANS_ENTROPY,
        EIGHT_GAUSSIANS_ENTROPY_SE);
  }

  /**
   * {@code 8gaussians} by {@code component}: each point comes with the one-hot index of the
   * Gaussian it was drawn from (8 context features); the true {@code p(x | k)} is that Gaussian,
   * and the conditional entropy is exact, {@code H(X | k) = log(2πe σ²)} with σ = 0.5/1.414.
   */
  public static ToyDensity eightGaussiansByComponent() {
    GaussianMixture mixture = (GaussianMixture) eightGaussians();
    return mixture.labelled(
        "component", 1 + LOG_2PI + 2 * Math.log(0.5 / EIGHT_GAUSSIANS_DIVISOR), 0.0);
  }

  /** Monte Carlo entropy of {@link #eightGaussians()} in nats; see there. */
  public static final double EIGHT_GAUSSIANS_ENTROPY = 2.831838;

  /** Standard error of {@link #EIGHT_GAUSSIANS_ENTROPY}. */
  public static final double EIGHT_GAUSSIANS_ENTROPY_SE = 0.000487;

  /**
   * {@code checkerboard}: FFJORD's layout — uniform on the 8 filled cells of a 4×4 board of 2×2
   * squares covering [−4, 4]²; cell {@code [2c, 2c+2) × [2r, 2r+2)}, c, r ∈ {−2..1}, is filled when
   * c + r is even. Total area A = 8 · 4 = 32, density 1/32 on the support, so the entropy is
   * exactly {@code log 32 = 5 log 2} ≈ 3.465736 nats.
   */
  public static ToyDensity checkerboard() {
    return new Checkerboard();
  }

  /**
   * {@code gaussian}: a correlated 2D Gaussian with mean 0 and covariance {@code Σ = [[2.0, 1.2],
   * [1.2, 1.0]]} (det Σ = 0.56). Entropy exactly {@code ½ log det(2πe Σ) = 1 + log 2π + ½ log 0.56}
   * ≈ 2.547968 nats.
   */
  public static ToyDensity gaussian() {
    return new Gaussian2d();
  }

  /**
   * {@code rings}: FFJORD's four concentric rings of radii 3, 2.25, 1.5 and 0.75, each with weight
   * ¼ (angle uniform), plus isotropic N(0, 0.08²) noise. Its density is closed form through the
   * modified Bessel function I₀ (a ring convolved with a Gaussian).
   *
   * <p>Entropy (Monte Carlo, 4·10⁶ samples, stream {@code Seeds.stream(0, "entropy/rings")}):
   * {@value #RINGS_ENTROPY} ± {@value #RINGS_ENTROPY_SE} nats.
   */
  public static ToyDensity rings() {
    return new GaussianRings(
        "rings",
        new double[] {3.0, 2.25, 1.5, 0.75},
        new double[] {0.25, 0.25, 0.25, 0.25},
        0.08,
        RINGS_ENTROPY,
        RINGS_ENTROPY_SE);
  }

  /** Monte Carlo entropy of {@link #rings()} in nats. */
  public static final double RINGS_ENTROPY = 2.624920;

  /** Standard error of {@link #RINGS_ENTROPY}. */
  public static final double RINGS_ENTROPY_SE = 0.000440;

  /**
   * {@code circles}: scikit-learn's {@code make_circles(factor=0.5, noise=0.08)} scaled by 3 as in
   * FFJORD — two rings of radii 3 and 1.5, weight ½ each, isotropic N(0, 0.24²) noise (0.08 before
   * the scaling).
   *
   * <p>Entropy (Monte Carlo, 4·10⁶ samples, stream {@code Seeds.stream(0, "entropy/circles")}):
   * {@value #CIRCLES_ENTROPY} ± {@value #CIRCLES_ENTROPY_SE} nats.
   */
  public static ToyDensity circles() {
    return new GaussianRings(
        "circles",
        new double[] {3.0, 1.5},
        new double[] {0.5, 0.5},
        0.24,
        CIRCLES_ENTROPY,
        CIRCLES_ENTROPY_SE);
  }

  /** Monte Carlo entropy of {@link #circles()} in nats. */
  public static final double CIRCLES_ENTROPY = 3.267231;

  /** Standard error of {@link #CIRCLES_ENTROPY}. */
  public static final double CIRCLES_ENTROPY_SE = 0.000387;

  /**
   * {@code moons}: scikit-learn's two moons as FFJORD uses them — with t ~ U[0, π] and each moon
   * chosen with probability ½, the upper moon {@code (cos t, sin t)} and the lower one {@code (1 −
   * cos t, ½ − sin t)}, plus N(0, 0.1²) noise per axis, then mapped by {@code 2·p + (−1, −0.2)}.
   *
   * <p>Its density is a curve smoothed by a Gaussian: {@code p(x) = ½ Σ_moon (1/π) ∫₀^π N(x; c(t),
   * 0.2² I) dt} (in output coordinates the noise is 0.2 and the arcs have radius 2), evaluated by
   * Simpson's rule on {@value #CURVE_INTERVALS} intervals. Entropy (Monte Carlo, 10⁶ samples,
   * stream {@code Seeds.stream(0, "entropy/moons")}): {@value #MOONS_ENTROPY} ± {@value
   * #MOONS_ENTROPY_SE} nats.
   */
  public static ToyDensity moons() {
    return new Moons(false);
  }

  /**
   * {@code moons} by {@code moon}: each point comes with the one-hot index of its moon (2 context
   * features: 0 the upper moon, 1 the lower); the true {@code p(x | moon)} is that moon's smoothed
   * arc (twice its half of the mixture). Conditional entropy unknown here (empty).
   */
  public static ToyDensity moonsByMoon() {
    return new Moons(true);
  }

  /** Monte Carlo entropy of {@link #moons()} in nats. */
  public static final double MOONS_ENTROPY = 2.393214;

  /** Standard error of {@link #MOONS_ENTROPY}. */
  public static final double MOONS_ENTROPY_SE = 0.000747;

  /**
   * {@code 2spirals}: FFJORD's two interleaved spirals — {@code s = √U · 3π}, a point {@code (−s
   * cos s + ½U', s sin s + ½U'')} (U, U', U'' independent uniforms), negated for the second spiral
   * (probability ½), divided by 3, plus N(0, 0.1²) noise per axis.
   *
   * <p>Its density: s has density {@code 2s/(3π)²} on [0, 3π]; given s and the spiral, each axis is
   * uniform on an interval of width 1/6 convolved with N(0, 0.1²), {@code 6·(Φ((x − lo)/0.1) − Φ((x
   * − hi)/0.1))}; the integral over s is evaluated by Simpson's rule on {@value #CURVE_INTERVALS}
   * intervals. Entropy (Monte Carlo, 10⁶ samples, stream {@code Seeds.stream(0,
   * "entropy/2spirals")}): {@value #TWO_SPIRALS_ENTROPY} ± {@value #TWO_SPIRALS_ENTROPY_SE} nats.
   */
  public static ToyDensity twoSpirals() {
    return new TwoSpirals();
  }

  /** Monte Carlo entropy of {@link #twoSpirals()} in nats. */
  public static final double TWO_SPIRALS_ENTROPY = 2.645815;

  /** Standard error of {@link #TWO_SPIRALS_ENTROPY}. */
  public static final double TWO_SPIRALS_ENTROPY_SE = 0.000712;

  /** Simpson intervals of the curve integrals of {@code moons} and {@code 2spirals}. */
  static final int CURVE_INTERVALS = 2400;

  /** Simpson weights (1, 4, 2, 4, …, 4, 1)·h/3 on {@code n} (even) intervals of width h. */
  private static double[] simpsonWeights(int n, double h) {
    double[] w = new double[n + 1];
    for (int i = 0; i <= n; i++) {
      w[i] = (i == 0 || i == n ? 1 : i % 2 == 1 ? 4 : 2) * h / 3;
    }
    return w;
  }

  /** Two moons: a Gaussian-smoothed pair of arcs. */
  private static final class Moons extends Closed {
    private static final double SIGMA = 0.2; // 0.1 before the factor 2
    private static final double CUTOFF = 9 * SIGMA; // farther arc points add < e^-40
    private final double[] cx = new double[2 * (CURVE_INTERVALS + 1)];
    private final double[] cy = new double[2 * (CURVE_INTERVALS + 1)];
    private final double[] w = new double[2 * (CURVE_INTERVALS + 1)];
    private final boolean labelled;

    Moons(boolean labelled) {
      super(
          "moons", labelled ? Double.NaN : MOONS_ENTROPY, labelled ? Double.NaN : MOONS_ENTROPY_SE);
      this.labelled = labelled;
      double h = Math.PI / CURVE_INTERVALS;
      double[] simpson = simpsonWeights(CURVE_INTERVALS, h);
      for (int i = 0; i <= CURVE_INTERVALS; i++) {
        double t = i * h;
        int up = i;
        int low = CURVE_INTERVALS + 1 + i;
        cx[up] = 2 * Math.cos(t) - 1;
        cy[up] = 2 * Math.sin(t) - 0.2;
        cx[low] = 1 - 2 * Math.cos(t);
        cy[low] = 0.8 - 2 * Math.sin(t);
        // ½ per moon, 1/π for t, the Gaussian's normaliser.
        w[up] = w[low] = simpson[i] * 0.5 / Math.PI / (2 * Math.PI * SIGMA * SIGMA);
      }
    }

    @Override
    public void sample(SplittableRandom rng, float[] out, int n) {
      int stride = 2 + contextDim();
      for (int i = 0; i < n; i++) {
        double t = Math.PI * rng.nextDouble();
        double x;
        double y;
        boolean upper = rng.nextBoolean();
        if (upper) {
          x = Math.cos(t);
          y = Math.sin(t);
        } else {
          x = 1 - Math.cos(t);
          y = 0.5 - Math.sin(t);
        }
        x += 0.1 * rng.nextGaussian();
        y += 0.1 * rng.nextGaussian();
        out[stride * i] = (float) (2 * x - 1);
        out[stride * i + 1] = (float) (2 * y - 0.2);
        if (labelled) {
          out[stride * i + 2] = upper ? 1f : 0f;
          out[stride * i + 3] = upper ? 0f : 1f;
        }
      }
    }

    @Override
    public int contextDim() {
      return labelled ? 2 : 0;
    }

    @Override
    public String condition() {
      return labelled ? "moon" : null;
    }

    /** Twice the arc of {@code label}'s half of the mixture: the arc points of that moon only. */
    @Override
    public double logDensity(double x, double y, int label) {
      if (!labelled) {
        return Double.NaN;
      }
      int from = label == 0 ? 0 : CURVE_INTERVALS + 1;
      return Math.log(2 * arcSum(x, y, from, from + CURVE_INTERVALS + 1));
    }

    @Override
    public double logDensity(double x, double y) {
      return Math.log(arcSum(x, y, 0, cx.length));
    }

    private double arcSum(double x, double y, int from, int to) {
      double inv = 1 / (2 * SIGMA * SIGMA);
      double sum = 0;
      for (int k = from; k < to; k++) {
        double dx = x - cx[k];
        double dy = y - cy[k];
        if (Math.abs(dx) < CUTOFF && Math.abs(dy) < CUTOFF) {
          sum += w[k] * Math.exp(-(dx * dx + dy * dy) * inv);
        }
      }
      return sum;
    }
  }

  /** Two spirals: a curve smoothed by a uniform box and a Gaussian. */
  private static final class TwoSpirals extends Closed {
    private static final double SIGMA = 0.1;
    private static final double BOX = 0.5 / 3;
    private static final double CUTOFF = BOX + 9 * SIGMA;
    private static final double END = 3 * Math.PI;
    private final double[] cx = new double[CURVE_INTERVALS + 1];
    private final double[] cy = new double[CURVE_INTERVALS + 1];
    private final double[] w = new double[CURVE_INTERVALS + 1];

    TwoSpirals() {
      super("2spirals", TWO_SPIRALS_ENTROPY, TWO_SPIRALS_ENTROPY_SE);
      double h = END / CURVE_INTERVALS;
      double[] simpson = simpsonWeights(CURVE_INTERVALS, h);
      for (int i = 0; i <= CURVE_INTERVALS; i++) {
        double s = i * h;
        cx[i] = -Math.cos(s) * s / 3;
        cy[i] = Math.sin(s) * s / 3;
        // ½ per spiral, the density 2s/(3π)² of s, 1/BOX per axis for the uniform offset.
        w[i] = simpson[i] * 0.5 * 2 * s / (END * END) / (BOX * BOX);
      }
    }

    @Override
    public void sample(SplittableRandom rng, float[] out, int n) {
      for (int i = 0; i < n; i++) {
        double s = Math.sqrt(rng.nextDouble()) * 540 * (2 * Math.PI) / 360;
        double x = -Math.cos(s) * s + rng.nextDouble() * 0.5;
        double y = Math.sin(s) * s + rng.nextDouble() * 0.5;
        if (rng.nextBoolean()) {
          x = -x;
          y = -y;
        }
        out[2 * i] = (float) (x / 3 + 0.1 * rng.nextGaussian());
        out[2 * i + 1] = (float) (y / 3 + 0.1 * rng.nextGaussian());
      }
    }

    @Override
    public double logDensity(double x, double y) {
      double sum = 0;
      for (int sign = 1; sign >= -1; sign -= 2) {
        // The negated spiral at (x, y) is the first one at (−x, −y).
        double px = sign * x;
        double py = sign * y;
        for (int k = 0; k < cx.length; k++) {
          double dx = px - cx[k];
          double dy = py - cy[k];
          if (dx > -CUTOFF + BOX && dx < CUTOFF && dy > -CUTOFF + BOX && dy < CUTOFF) {
            sum += w[k] * boxGauss(dx) * boxGauss(dy);
          }
        }
      }
      return Math.log(sum);
    }

    /** P(U + ε ∈ d) / dd for U ~ U[0, BOX], ε ~ N(0, σ²), at offset d: Φ(d/σ) − Φ((d − BOX)/σ). */
    private static double boxGauss(double d) {
      return normalMass(d / SIGMA - BOX / SIGMA, d / SIGMA);
    }
  }

  /** Φ(b) − Φ(a) for a ≤ b, accurate in both tails (Commons Math's erfc, about 1e-15). */
  static double normalMass(double a, double b) {
    if (a >= 0) {
      return 0.5 * (Erf.erfc(a / Math.sqrt(2)) - Erf.erfc(b / Math.sqrt(2)));
    }
    if (b <= 0) {
      return 0.5 * (Erf.erfc(-b / Math.sqrt(2)) - Erf.erfc(-a / Math.sqrt(2)));
    }
    return 1 - 0.5 * (Erf.erfc(-a / Math.sqrt(2)) + Erf.erfc(b / Math.sqrt(2)));
  }

  /**
   * {@code pinwheel}: FFJORD's 5-armed pinwheel — class k uniform in 0..4, features {@code f = (1 +
   * 0.3·N, 0.1·N')}, rotated by the angle {@code 2πk/5 + 0.25·exp(f₀)} (FFJORD's {@code
   * einsum("ti,tij->tj")}: {@code (f₀ cos a + f₁ sin a, −f₀ sin a + f₁ cos a)}), then scaled by 2.
   * Entropy unknown.
   */
  public static ToyDensity pinwheel() {
    return new Simple("pinwheel") {
      @Override
      public void sample(SplittableRandom rng, float[] out, int n) {
        for (int i = 0; i < n; i++) {
          int k = rng.nextInt(5);
          double f0 = 1.0 + 0.3 * rng.nextGaussian();
          double f1 = 0.1 * rng.nextGaussian();
          double a = 2 * Math.PI * k / 5 + 0.25 * Math.exp(f0);
          double c = Math.cos(a);
          double s = Math.sin(a);
          out[2 * i] = (float) (2 * (f0 * c + f1 * s));
          out[2 * i + 1] = (float) (2 * (-f0 * s + f1 * c));
        }
      }
    };
  }

  /** log Σ exp(v[i]) without overflow. */
  static double logSumExp(double[] v) {
    double max = Double.NEGATIVE_INFINITY;
    for (double x : v) {
      max = Math.max(max, x);
    }
    if (max == Double.NEGATIVE_INFINITY) {
      return max;
    }
    double s = 0;
    for (double x : v) {
      s += Math.exp(x - max);
    }
    return max + Math.log(s);
  }

  /**
   * The exponentially scaled modified Bessel function {@code e^{−x} I₀(x)} for x ≥ 0 (Abramowitz
   * &amp; Stegun 9.8.1–9.8.2, relative error below 2·10⁻⁷).
   */
  static double besselI0Scaled(double x) {
    if (x < 3.75) {
      double t = x / 3.75;
      t *= t;
      double i0 =
          1.0
              + t
                  * (3.5156229
                      + t
                          * (3.0899424
                              + t
                                  * (1.2067492
                                      + t * (0.2659732 + t * (0.0360768 + t * 0.0045813)))));
      return i0 * Math.exp(-x);
    }
    double t = 3.75 / x;
    double p =
        0.39894228
            + t
                * (0.01328592
                    + t
                        * (0.00225319
                            + t
                                * (-0.00157565
                                    + t
                                        * (0.00916281
                                            + t
                                                * (-0.02057706
                                                    + t
                                                        * (0.02635537
                                                            + t
                                                                * (-0.01647633
                                                                    + t * 0.00392377)))))));
    return p / Math.sqrt(x);
  }

  /** A density with a sampler only. */
  private abstract static class Simple implements ToyDensity {
    private final String name;

    Simple(String name) {
      this.name = name;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public OptionalDouble entropy() {
      return OptionalDouble.empty();
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /** A density with a closed-form log-density and a known (exact or Monte Carlo) entropy. */
  private abstract static class Closed extends Simple {
    private final double entropy;
    private final double entropySe;

    Closed(String name, double entropy, double entropySe) {
      super(name);
      this.entropy = entropy;
      this.entropySe = entropySe;
    }

    @Override
    public OptionalDouble entropy() {
      return Double.isNaN(entropy) ? OptionalDouble.empty() : OptionalDouble.of(entropy);
    }

    @Override
    public double entropyStdError() {
      return Double.isNaN(entropy) ? Double.NaN : entropySe;
    }

    @Override
    public boolean hasLogDensity() {
      return true;
    }

    @Override
    public abstract double logDensity(double x, double y);
  }

  /**
   * Equal-weight mixture of isotropic Gaussians with a common standard deviation; labelled ({@link
   * #labelled}), each point carries its component's one-hot index.
   */
  private static final class GaussianMixture extends Closed {
    private final double[] cx;
    private final double[] cy;
    private final double sigma;
    private final double logNorm;
    private final String condition; // null: plain

    GaussianMixture(
        String name, double[] cx, double[] cy, double sigma, double entropy, double entropySe) {
      this(name, cx, cy, sigma, entropy, entropySe, null);
    }

    private GaussianMixture(
        String name,
        double[] cx,
        double[] cy,
        double sigma,
        double entropy,
        double entropySe,
        String condition) {
      super(name, entropy, entropySe);
      this.cx = cx;
      this.cy = cy;
      this.sigma = sigma;
      this.logNorm = -LOG_2PI - 2 * Math.log(sigma) - Math.log(cx.length);
      this.condition = condition;
    }

    /** The same mixture whose points carry their component, with the conditional entropy. */
    GaussianMixture labelled(String condition, double entropy, double entropySe) {
      return new GaussianMixture(name(), cx, cy, sigma, entropy, entropySe, condition);
    }

    @Override
    public void sample(SplittableRandom rng, float[] out, int n) {
      int stride = 2 + contextDim();
      for (int i = 0; i < n; i++) {
        int k = rng.nextInt(cx.length);
        out[stride * i] = (float) (cx[k] + sigma * rng.nextGaussian());
        out[stride * i + 1] = (float) (cy[k] + sigma * rng.nextGaussian());
        if (condition != null) {
          for (int j = 0; j < cx.length; j++) {
            out[stride * i + 2 + j] = j == k ? 1f : 0f;
          }
        }
      }
    }

    @Override
    public int contextDim() {
      return condition == null ? 0 : cx.length;
    }

    @Override
    public String condition() {
      return condition;
    }

    /** The component's own Gaussian. */
    @Override
    public double logDensity(double x, double y, int label) {
      if (condition == null) {
        return Double.NaN;
      }
      double dx = x - cx[label];
      double dy = y - cy[label];
      return logNorm + Math.log(cx.length) - (dx * dx + dy * dy) / (2 * sigma * sigma);
    }

    @Override
    public double logDensity(double x, double y) {
      double[] terms = new double[cx.length];
      double inv = 1.0 / (2 * sigma * sigma);
      for (int k = 0; k < cx.length; k++) {
        double dx = x - cx[k];
        double dy = y - cy[k];
        terms[k] = -(dx * dx + dy * dy) * inv;
      }
      return logNorm + logSumExp(terms);
    }
  }

  /** Mixture of uniform rings convolved with isotropic Gaussian noise. */
  private static final class GaussianRings extends Closed {
    private final double[] radii;
    private final double[] weights;
    private final double[] cumulative;
    private final double sigma;

    GaussianRings(
        String name,
        double[] radii,
        double[] weights,
        double sigma,
        double entropy,
        double entropySe) {
      super(name, entropy, entropySe);
      this.radii = radii;
      this.weights = weights;
      this.sigma = sigma;
      this.cumulative = new double[weights.length];
      double c = 0;
      for (int k = 0; k < weights.length; k++) {
        c += weights[k];
        cumulative[k] = c;
      }
    }

    @Override
    public void sample(SplittableRandom rng, float[] out, int n) {
      for (int i = 0; i < n; i++) {
        double u = rng.nextDouble() * cumulative[cumulative.length - 1];
        int k = 0;
        while (k < cumulative.length - 1 && u >= cumulative[k]) {
          k++;
        }
        double a = 2 * Math.PI * rng.nextDouble();
        out[2 * i] = (float) (radii[k] * Math.cos(a) + sigma * rng.nextGaussian());
        out[2 * i + 1] = (float) (radii[k] * Math.sin(a) + sigma * rng.nextGaussian());
      }
    }

    /**
     * A ring of radius r smoothed by N(0, σ²I) has density {@code exp(−(ρ − r)²/2σ²) · e^{−ρr/σ²}
     * I₀(ρr/σ²) / (2πσ²)} at distance ρ from the origin.
     */
    @Override
    public double logDensity(double x, double y) {
      double rho = Math.hypot(x, y);
      double s2 = sigma * sigma;
      double[] terms = new double[radii.length];
      for (int k = 0; k < radii.length; k++) {
        double d = rho - radii[k];
        terms[k] =
            Math.log(weights[k]) - d * d / (2 * s2) + Math.log(besselI0Scaled(rho * radii[k] / s2));
      }
      return logSumExp(terms) - LOG_2PI - Math.log(s2);
    }
  }

  /** FFJORD's checkerboard: uniform on 8 of the 16 2×2 cells of [−4, 4]². */
  private static final class Checkerboard extends Closed {
    Checkerboard() {
      super("checkerboard", 5 * Math.log(2), 0.0);
    }

    @Override
    public void sample(SplittableRandom rng, float[] out, int n) {
      for (int i = 0; i < n; i++) {
        // FFJORD: x1 = U·4 − 2; x2 = U' − 2·B + (floor(x1) mod 2); both scaled by 2.
        double x1 = rng.nextDouble() * 4 - 2;
        double x2 = rng.nextDouble() - 2 * rng.nextInt(2) + Math.floorMod((int) Math.floor(x1), 2);
        out[2 * i] = (float) (2 * x1);
        out[2 * i + 1] = (float) (2 * x2);
      }
    }

    /** Closed cells, so points rounded onto a cell edge (e.g. by float storage) stay inside. */
    @Override
    public double logDensity(double x, double y) {
      for (int c = -2; c <= 1; c++) {
        if (x < 2 * c || x > 2 * c + 2) {
          continue;
        }
        for (int r = -2; r <= 1; r++) {
          if ((c + r) % 2 == 0 && y >= 2 * r && y <= 2 * r + 2) {
            return -Math.log(32);
          }
        }
      }
      return Double.NEGATIVE_INFINITY;
    }
  }

  /** A correlated 2D Gaussian, mean 0, Σ = [[2.0, 1.2], [1.2, 1.0]]. */
  private static final class Gaussian2d extends Closed {
    private static final double S11 = 2.0;
    private static final double S12 = 1.2;
    private static final double S22 = 1.0;
    private static final double DET = S11 * S22 - S12 * S12;
    // Cholesky factor L = [[l11, 0], [l21, l22]], Σ = L Lᵀ.
    private static final double L11 = Math.sqrt(S11);
    private static final double L21 = S12 / L11;
    private static final double L22 = Math.sqrt(S22 - L21 * L21);

    Gaussian2d() {
      super("gaussian", 1 + LOG_2PI + 0.5 * Math.log(DET), 0.0);
    }

    @Override
    public void sample(SplittableRandom rng, float[] out, int n) {
      for (int i = 0; i < n; i++) {
        double z1 = rng.nextGaussian();
        double z2 = rng.nextGaussian();
        out[2 * i] = (float) (L11 * z1);
        out[2 * i + 1] = (float) (L21 * z1 + L22 * z2);
      }
    }

    @Override
    public double logDensity(double x, double y) {
      // xᵀ Σ⁻¹ x with Σ⁻¹ = [[S22, −S12], [−S12, S11]] / det.
      double q = (S22 * x * x - 2 * S12 * x * y + S11 * y * y) / DET;
      return -LOG_2PI - 0.5 * Math.log(DET) - 0.5 * q;
    }
  }
}
