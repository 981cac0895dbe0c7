package org.flowlab.plugins.realnvp;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.Mlp;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.nn.Scalars;
import org.flowlab.api.onnx.OnnxBijector;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxTensor;
import org.flowlab.api.onnx.OnnxTransformed;

/**
 * A mask-based affine coupling on vectors. Forward (data → latent): {@code z = x⊙m +
 * (1−m)⊙(x⊙exp(s) + t)} with {@code (s, t) = net(x⊙m)}, so the kept dimensions (mask 1) pass
 * unchanged and condition the others; log-det {@code Σ s} over the transformed dimensions. Inverse:
 * {@code x = z⊙m + (1−m)⊙(z − t)⊙exp(−s)}, with s and t computed from {@code z⊙m = x⊙m}.
 *
 * <p>The conditioner is an {@link Mlp} whose last layer starts at zero, so the coupling starts as
 * the identity. Its log-scale is bounded: {@code s = factor·tanh(raw)} with a learned per-dimension
 * {@code scale_factor} starting at 1, or a soft clamp {@code s = b·tanh(raw/b)} with a fixed bound.
 */
final class AffineCoupling implements Bijector, OnnxBijector {
  private final NDArray mask;
  private final NDArray complement;
  private final Mlp net;
  private final NDArray scaleFactor;
  private final double bound;

  /**
   * @param scope where {@code net.*} (and {@code scale_factor}) are registered
   * @param mask 1 for the dimensions that pass unchanged, 0 for those transformed
   * @param hidden the conditioner's hidden widths
   * @param activation the conditioner's nonlinearity
   * @param learnedScale true for {@code factor·tanh(raw)}, false for the soft clamp
   * @param bound the soft clamp's bound (unused with a learned scale)
   */
  AffineCoupling(
      ParameterScope scope,
      float[] mask,
      List<Integer> hidden,
      Activation activation,
      boolean learnedScale,
      double bound) {
    int d = mask.length;
    float[] inverse = new float[d];
    for (int i = 0; i < d; i++) {
      inverse[i] = 1 - mask[i];
    }
    this.mask = scope.manager().create(mask, new Shape(1, d));
    this.complement = scope.manager().create(inverse, new Shape(1, d));
    this.net = new Mlp(scope.child("net"), d, hidden, 2 * d, activation, true);
    this.scaleFactor =
        learnedScale ? scope.trainable("scale_factor", new Shape(d), Initializer.ONES) : null;
    this.bound = bound;
  }

  @Override
  public Transformed forward(NDArray x, LogDetMode mode) {
    NDList st = shiftAndLogScale(x);
    NDArray s = st.get(0);
    NDArray z = x.mul(s.exp()).add(st.get(1));
    return new Transformed(z, s.sum(new int[] {1}), LogDetMode.EXACT);
  }

  @Override
  public NDArray inverse(NDArray z) {
    NDList st = shiftAndLogScale(z);
    return z.sub(st.get(1)).mul(st.get(0).neg().exp());
  }

  /**
   * Emits {@code z = x·exp(s) + t} and {@code Σ s}, with (s, t) emitted as the JVM computes them.
   */
  @Override
  public OnnxTransformed emitForward(OnnxGraph graph, OnnxTensor x) {
    String[] st = emitShiftAndLogScale(graph, x);
    String z = graph.add(graph.mul(x.name(), graph.exp(st[0])), st[1]);
    return new OnnxTransformed(x.with(z), graph.reduceSum(st[0], false, 1));
  }

  /** Emits {@code x = (z − t)·exp(−s)}. */
  @Override
  public OnnxTensor emitInverse(OnnxGraph graph, OnnxTensor z) {
    String[] st = emitShiftAndLogScale(graph, z);
    return z.with(graph.mul(graph.sub(z.name(), st[1]), graph.exp(graph.neg(st[0]))));
  }

  private String[] emitShiftAndLogScale(OnnxGraph graph, OnnxTensor x) {
    long d = x.eventShape().get(0);
    OnnxTensor kept = x.with(graph.mul(x.name(), graph.initializer("mask", mask)));
    List<String> raw = graph.split(net.emit(graph, kept).name(), 1, d, d);
    String s =
        scaleFactor != null
            ? graph.mul(graph.tanh(raw.get(0)), graph.initializer("scale_factor", scaleFactor))
            : graph.mulScalar(graph.tanh(graph.div(raw.get(0), graph.scalar(bound))), bound);
    String c = graph.initializer("complement", complement);
    return new String[] {graph.mul(s, c), graph.mul(raw.get(1), c)};
  }

  /** (s, t), both zero on the kept dimensions, from the kept dimensions of {@code x}. */
  private NDList shiftAndLogScale(NDArray x) {
    NDList raw = net.forward(x.mul(mask)).split(2, 1);
    NDArray s =
        scaleFactor != null
            ? raw.get(0).tanh().mul(scaleFactor)
            : Scalars.mul(Scalars.div(raw.get(0), bound).tanh(), bound);
    return new NDList(s.mul(complement), raw.get(1).mul(complement));
  }
}
