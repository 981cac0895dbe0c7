package org.flowlab.plugins.glow;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.flowlab.api.bijector.DefinedBijector;
import org.flowlab.api.linalg.Lu;
import org.flowlab.api.linalg.RandomRotation;
import org.flowlab.api.nn.EagerOps;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.ops.Mapped;
import org.flowlab.api.ops.TensorOps;

/**
 * Glow's invertible 1×1 convolution: forward (data → latent) {@code z[:, i] = Σ_j W_ij x[:, j]} at
 * every spatial position of an image {@code (c, h, w)}, or a dense invertible linear map {@code z =
 * W·x} of a vector {@code (d)} (a 1×1 convolution of a 1×1 image). Log-det {@code h·w·log|det W|}.
 * W starts as a random rotation (QR of a seeded Gaussian matrix, so it depends only on the seed and
 * the parameter names).
 *
 * <p>Two parametrisations:
 *
 * <ul>
 *   <li>{@code lu}: {@code W = P·L·(U + diag(sign·exp(log_s)))} with P a fixed permutation (buffer
 *       {@code p}), L unit lower triangular (trainable {@code lower}, masked to its strict lower
 *       part), U strictly upper (trainable {@code upper}, masked), {@code log_s} trainable and
 *       {@code sign} a fixed buffer, all from the pivoted LU decomposition of the initial rotation.
 *       The log-det is {@code h·w·Σ log_s}, cheap and differentiable. The triangular masks are
 *       constants (they depend only on c), not saved.
 *   <li>{@code plain}: a full trainable {@code weight}. DJL has no differentiable {@code slogdet},
 *       so log|det W| is computed on the Java side by a pivoted LU in double precision and enters
 *       the graph as {@code log|det W₀| + ⟨W − W₀, W₀⁻ᵀ⟩} with {@code W₀} the current value held
 *       constant: its value is exactly {@code log|det W|} and its gradient is {@code W⁻ᵀ}, the true
 *       gradient of log|det W| (first order only, which is all DJL's reverse mode needs). Costs a
 *       c×c device→host copy per forward pass.
 * </ul>
 *
 * <p>The inverse uses {@code W⁻¹} computed per call from the current W by the same double-precision
 * LU (no cache to go stale when the optimizer updates W in place).
 *
 * <p>The 1×1 convolution (or matrix product) itself runs through the scope's {@code Autocast}
 * (bfloat16/float16 in training at those precisions); W's construction from its LU factors and the
 * log-det stay float32.
 *
 * <p>Both directions are written once over {@link TensorOps}. ONNX export records the same ops; W
 * (folded: the JVM's float32 values of its construction), W⁻¹ and the plain log-det's W₀⁻ᵀ and
 * constant enter as graph constants computed as the JVM passes compute them; the lu log-det reads
 * the {@code log_s} initializer.
 */
final class InvertibleConv implements DefinedBijector {
  private final int c;
  private final long spatial;
  private final boolean image;
  private final Shape square;
  private final Shape kernel;
  private final NDArray weight;
  private final NDArray p;
  private final NDArray sign;
  private final NDArray lower;
  private final NDArray upper;
  private final NDArray logS;
  private final NDArray eye;
  private final NDArray lowerMask;
  private final NDArray upperMask;
  private final EagerOps eager;

  /**
   * @param scope where the parameters are registered
   * @param eventShape {@code (d)} or {@code (c, h, w)}
   * @param lu true for the LU parametrisation, false for a plain weight
   */
  InvertibleConv(ParameterScope scope, Shape eventShape, boolean lu) {
    this.c = Math.toIntExact(eventShape.get(0));
    this.eager = EagerOps.of(scope.autocast());
    this.spatial = eventShape.size() / c;
    this.image = eventShape.dimension() == 3;
    if (!image && eventShape.dimension() != 1) {
      throw new IllegalArgumentException(
          "1x1 convolution needs (d) or (c, h, w), got " + eventShape);
    }
    this.square = new Shape(c, c);
    this.kernel = new Shape(c, c, 1, 1);
    if (!lu) {
      this.weight =
          scope.trainable(
              "weight", square, (s, rng) -> Matrices.toFloats(RandomRotation.draw(rng, c)));
      this.p = this.sign = this.lower = this.upper = this.logS = null;
      this.eye = this.lowerMask = this.upperMask = null;
      return;
    }
    this.weight = null;
    // The rotation is drawn once, by the first initializer (its stream is keyed by "p"'s full
    // name), and the other parts of its LU decomposition are read from it.
    Lu[] decomposition = new Lu[1];
    this.p =
        scope.buffer(
            "p",
            square,
            (s, rng) -> {
              decomposition[0] = Lu.of(RandomRotation.draw(rng, c));
              return Matrices.toFloats(decomposition[0].permutation());
            });
    Lu d = decomposition[0];
    double[][] du = d.upper();
    double[][] dl = d.lower();
    float[] signs = new float[c];
    float[] logs = new float[c];
    double[][] strictUpper = new double[c][c];
    double[][] strictLower = new double[c][c];
    float[] lm = new float[c * c];
    float[] um = new float[c * c];
    for (int i = 0; i < c; i++) {
      signs[i] = du[i][i] < 0 ? -1f : 1f;
      logs[i] = (float) Math.log(Math.abs(du[i][i]));
      for (int j = 0; j < c; j++) {
        if (j > i) {
          strictUpper[i][j] = du[i][j];
          um[i * c + j] = 1f;
        } else if (j < i) {
          strictLower[i][j] = dl[i][j];
          lm[i * c + j] = 1f;
        }
      }
    }
    this.sign = scope.buffer("sign", new Shape(c), (s, rng) -> signs);
    this.lower = scope.trainable("lower", square, (s, rng) -> Matrices.toFloats(strictLower));
    this.upper = scope.trainable("upper", square, (s, rng) -> Matrices.toFloats(strictUpper));
    this.logS = scope.trainable("log_s", new Shape(c), (s, rng) -> logs);
    NDManager constants = scope.manager();
    this.eye = constants.eye(c);
    this.lowerMask = constants.create(lm, square);
    this.upperMask = constants.create(um, square);
  }

  @Override
  public EagerOps eager() {
    return eager;
  }

  /** {@code z = W·x} per position; log-det {@code h·w·log|det W|} for every sample. */
  @Override
  public <T> Mapped<T> forward(TensorOps<T> ops, T x) {
    T w = ops.folded(x, () -> weight(ops), this::currentWeight, square);
    T logAbsDet = weight == null ? ops.sumAfter(ops.parameter(logS), 0) : plainLogAbsDet(ops, x, w);
    return new Mapped<>(apply(ops, x, w), ops.perSample(x, ops.mulScalar(logAbsDet, spatial)));
  }

  /** {@code x = W⁻¹·z} per position, W⁻¹ from the double-precision LU of the current W. */
  @Override
  public <T> T inverse(TensorOps<T> ops, T z) {
    return apply(ops, z, ops.constant(z, Matrices.toFloats(currentLu().inverse()), square));
  }

  /**
   * W, shape (c, c), from its parameters: {@code P·L·(U + diag(sign·exp(log_s)))} with the masked
   * triangles plus the unit diagonal (lu), or the weight itself (plain).
   */
  private <T> T weight(TensorOps<T> ops) {
    if (weight != null) {
      return ops.parameter(weight);
    }
    T unit = ops.parameter(eye);
    T l = ops.add(ops.mul(ops.parameter(lowerMask), ops.parameter(lower)), unit);
    T diag = ops.mul(ops.mul(unit, ops.parameter(sign)), ops.exp(ops.parameter(logS)));
    T u = ops.add(ops.mul(ops.parameter(upperMask), ops.parameter(upper)), diag);
    return ops.matMul(ops.matMul(ops.parameter(p), l), u);
  }

  /**
   * {@code log|det W₀| + ⟨W − W₀, W₀⁻ᵀ⟩} with W₀ the current value held constant: its value is
   * log|det W| and its gradient W⁻ᵀ.
   */
  private <T> T plainLogAbsDet(TensorOps<T> ops, T like, T w) {
    float[] w0 = currentWeight();
    Lu lu = Lu.of(Matrices.fromFloats(w0, c));
    double[][] inv = lu.inverse();
    float[] g = new float[c * c]; // W⁻ᵀ, row-major
    double constant = lu.logAbsDet();
    for (int i = 0; i < c; i++) {
      for (int j = 0; j < c; j++) {
        g[i * c + j] = (float) inv[j][i];
        constant -= (double) g[i * c + j] * w0[i * c + j];
      }
    }
    T inner = ops.sumAfter(ops.mul(w, ops.constant(like, g, square)), 0);
    return ops.add(inner, ops.constant(like, new float[] {(float) constant}, new Shape()));
  }

  /** The 1×1 convolution (images) or the linear map (vectors) by {@code w}. */
  private <T> T apply(TensorOps<T> ops, T x, T w) {
    return image ? ops.conv2d(x, ops.reshape(w, kernel), null, 0) : ops.linear(x, w, null);
  }

  /** The pivoted LU of the current W, in double precision. */
  private Lu currentLu() {
    return Lu.of(Matrices.fromFloats(currentWeight(), c));
  }

  /** The current W's values, row-major, computed as the forward pass computes it. */
  private float[] currentWeight() {
    try (NDScope temporaries = new NDScope()) {
      return weight(eager).toType(DataType.FLOAT32, false).toFloatArray();
    }
  }

  /** A copy of the current W on {@code m}. */
  NDArray weight(NDManager m) {
    return m.create(currentWeight(), square);
  }
}
