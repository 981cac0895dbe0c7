package org.flowlab.plugins.glow;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.linalg.Lu;
import org.flowlab.api.nn.Autocast;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.nn.Scalars;
import org.flowlab.api.onnx.OnnxBijector;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxTensor;
import org.flowlab.api.onnx.OnnxTransformed;

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
 * <p>ONNX export writes the current W (forward) and W⁻¹ (inverse), computed on the JVM exactly as
 * the JVM passes compute them, as float32 constants of a Conv (images) or Gemm (vectors) node. The
 * log-det is {@code h·w·Σ log_s} from the {@code log_s} initializer (lu), or the JVM's float32
 * value of {@code h·w·log|det W|} as a constant (plain).
 */
final class InvertibleConv implements Bijector, OnnxBijector {
  private static final Shape STRIDE = new Shape(1, 1);
  private static final Shape NO_PADDING = new Shape(0, 0);

  private final int c;
  private final long spatial;
  private final boolean image;
  private final NDArray weight;
  private final NDArray p;
  private final NDArray sign;
  private final NDArray lower;
  private final NDArray upper;
  private final NDArray logS;
  private final float[] lowerMask;
  private final float[] upperMask;
  private final Autocast autocast;

  /**
   * @param scope where the parameters are registered
   * @param eventShape {@code (d)} or {@code (c, h, w)}
   * @param lu true for the LU parametrisation, false for a plain weight
   */
  InvertibleConv(ParameterScope scope, Shape eventShape, boolean lu) {
    this.c = Math.toIntExact(eventShape.get(0));
    this.autocast = scope.autocast();
    this.spatial = eventShape.size() / c;
    this.image = eventShape.dimension() == 3;
    if (!image && eventShape.dimension() != 1) {
      throw new IllegalArgumentException(
          "1x1 convolution needs (d) or (c, h, w), got " + eventShape);
    }
    Shape square = new Shape(c, c);
    if (!lu) {
      this.weight =
          scope.trainable(
              "weight", square, (s, rng) -> Matrices.toFloats(Matrices.randomRotation(rng, c)));
      this.p = this.sign = this.lower = this.upper = this.logS = null;
      this.lowerMask = this.upperMask = null;
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
              decomposition[0] = Lu.of(Matrices.randomRotation(rng, c));
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
    this.lowerMask = lm;
    this.upperMask = um;
  }

  /**
   * The current W, shape (c, c), in the autograd graph of its parameters. Every op's receiver is an
   * array of {@code m} (the batch's manager), so the intermediates are freed with the batch, not
   * kept by the parameters' manager.
   */
  NDArray weight(NDManager m) {
    Shape square = new Shape(c, c);
    if (weight != null) {
      return m.zeros(square).add(weight);
    }
    NDArray eye = m.eye(c);
    NDArray l = m.create(lowerMask, square).mul(lower).add(eye);
    NDArray diag = eye.mul(sign).mul(m.zeros(new Shape(c)).add(logS).exp());
    NDArray u = m.create(upperMask, square).mul(upper).add(diag);
    return m.zeros(square).add(p).matMul(l).matMul(u);
  }

  @Override
  public Transformed forward(NDArray x, LogDetMode mode) {
    NDManager m = x.getManager();
    NDArray w = weight(m);
    NDArray logDet;
    if (weight == null) {
      logDet = Scalars.mul(m.zeros(new Shape(c)).add(logS).sum(), spatial);
    } else {
      logDet = Scalars.mul(plainLogAbsDet(w, m), spatial);
    }
    long n = x.getShape().get(0);
    NDArray perSample = m.zeros(new Shape(n), x.getDataType()).add(logDet);
    return new Transformed(apply(x, w), perSample, LogDetMode.EXACT);
  }

  @Override
  public NDArray inverse(NDArray z) {
    NDManager m = z.getManager();
    double[][] inv = currentLu(m).inverse();
    NDArray wInv = m.create(Matrices.toFloats(inv), new Shape(c, c));
    return apply(z, wInv.toType(z.getDataType(), false));
  }

  /** The pivoted LU of the current W, in double precision. */
  Lu currentLu(NDManager m) {
    float[] w = weight(m).toType(DataType.FLOAT32, false).toFloatArray();
    return Lu.of(Matrices.fromFloats(w, c));
  }

  /** {@code log|det W₀| + ⟨W − W₀, W₀⁻ᵀ⟩}: the value log|det W|, the gradient W⁻ᵀ. */
  private NDArray plainLogAbsDet(NDArray w, NDManager m) {
    float[] w0 = w.toType(DataType.FLOAT32, false).toFloatArray();
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
    NDArray grad = m.create(g, new Shape(c, c)).toType(w.getDataType(), false);
    return w.mul(grad).sum().add((float) constant);
  }

  /** Emits {@code z = W·x} per position with the current W; log-det as the JVM forms it. */
  @Override
  public OnnxTransformed emitForward(OnnxGraph graph, OnnxTensor x) {
    try (NDManager m = anyParameter().getManager().newSubManager()) {
      NDArray w = weight(m);
      String logDet;
      if (weight == null) {
        String s = graph.initializer("log_s", logS);
        logDet = graph.mulScalar(graph.reduceSum(s, true, 0), spatial);
      } else {
        float value = Scalars.mul(plainLogAbsDet(w, m), spatial).toFloatArray()[0];
        logDet = graph.constant(hint("log_abs_det"), new float[] {value}, 1);
      }
      float[] values = w.toType(DataType.FLOAT32, false).toFloatArray();
      return new OnnxTransformed(
          x.with(emitApply(graph, x, values, hint("w"))), graph.perSample(x, logDet));
    }
  }

  /** Emits {@code x = W⁻¹·z} per position, W⁻¹ from the same double-precision LU as the JVM. */
  @Override
  public OnnxTensor emitInverse(OnnxGraph graph, OnnxTensor z) {
    try (NDManager m = anyParameter().getManager().newSubManager()) {
      float[] inv = Matrices.toFloats(currentLu(m).inverse());
      return z.with(emitApply(graph, z, inv, hint("w_inv")));
    }
  }

  private String emitApply(OnnxGraph graph, OnnxTensor x, float[] w, String name) {
    if (image) {
      return graph.conv(x.name(), graph.constant(name, w, c, c, 1, 1), null, 1, 0);
    }
    return graph.gemm(x.name(), graph.constant(name, w, c, c), null, true);
  }

  private NDArray anyParameter() {
    return weight != null ? weight : logS;
  }

  /** A readable constant name: the parameters' prefix (e.g. {@code step.0.invconv.}) + suffix. */
  private String hint(String suffix) {
    String n = anyParameter().getName();
    int dot = n == null ? -1 : n.lastIndexOf('.');
    return (dot < 0 ? "invconv." : n.substring(0, dot + 1)) + suffix;
  }

  private NDArray apply(NDArray x, NDArray w) {
    if (image) {
      return autocast.conv2d(x, w.reshape(c, c, 1, 1), null, STRIDE, NO_PADDING);
    }
    return autocast.linear(x, w, null);
  }
}
