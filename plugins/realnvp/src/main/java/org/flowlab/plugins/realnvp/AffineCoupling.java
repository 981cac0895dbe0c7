package org.flowlab.plugins.realnvp;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.bijector.DefinedBijector;
import org.flowlab.api.bijector.Partition;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.EagerOps;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.Mlp;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.ops.Mapped;
import org.flowlab.api.ops.TensorOps;

/**
 * An affine coupling on vectors. The mask divides the features ({@link Partition}) into the kept
 * ones x₁ (mask 1), which pass unchanged, and the changed ones x₂. Forward (data → latent): {@code
 * z₂ = x₂⊙exp(s) + t} with {@code (s, t) = net(x₁)}; log-det {@code Σ s}. Inverse: {@code x₂ = (z₂
 * − t)⊙exp(−s)}, with s and t computed from {@code z₁ = x₁}.
 *
 * <p>The conditioner is an {@link Mlp} from the kept features to (s, t) for the changed ones, whose
 * last layer starts at zero, so the coupling starts as the identity. Its log-scale is bounded:
 * {@code s = factor·tanh(raw)} with a learned per-feature {@code scale_factor} (one per changed
 * feature) starting at 1, or a soft clamp {@code s = b·tanh(raw/b)} with a fixed bound.
 *
 * <p>Conditional (a context of k &gt; 0 features): the MLP reads the kept features with the context
 * appended, {@code (s, t) = net([x₁, c])}.
 */
final class AffineCoupling implements DefinedBijector {
  private final Partition partition;
  private final Mlp net;
  private final NDArray scaleFactor;
  private final double bound;
  private final long[] half;
  private final int contextDim;
  private final EagerOps eager;

  /**
   * @param scope where {@code net.*} (and {@code scale_factor}) are registered
   * @param mask 1 for the dimensions that pass unchanged, 0 for those transformed
   * @param hidden the conditioner's hidden widths
   * @param activation the conditioner's nonlinearity
   * @param learnedScale true for {@code factor·tanh(raw)}, false for the soft clamp
   * @param bound the soft clamp's bound (unused with a learned scale)
   * @param contextDim features of the context the conditioner reads (0: none)
   */
  AffineCoupling(
      ParameterScope scope,
      float[] mask,
      List<Integer> hidden,
      Activation activation,
      boolean learnedScale,
      double bound,
      int contextDim) {
    this.partition = new Partition(mask, scope.manager());
    int changed = partition.changedSize();
    int in = partition.keptSize() + contextDim;
    this.net = new Mlp(scope.child("net"), in, hidden, 2 * changed, activation, true);
    this.contextDim = contextDim;
    this.scaleFactor =
        learnedScale ? scope.trainable("scale_factor", new Shape(changed), Initializer.ONES) : null;
    this.bound = bound;
    this.half = new long[] {changed};
    this.eager = EagerOps.of(scope.autocast());
  }

  @Override
  public EagerOps eager() {
    return eager;
  }

  @Override
  public int contextDim() {
    return contextDim;
  }

  @Override
  public <T> Mapped<T> forward(TensorOps<T> ops, T x) {
    return forward(ops, x, null);
  }

  @Override
  public <T> T inverse(TensorOps<T> ops, T z) {
    return inverse(ops, z, null);
  }

  /** {@code z₂ = x₂⊙exp(s) + t}, log-det {@code Σ s}. */
  @Override
  public <T> Mapped<T> forward(TensorOps<T> ops, T x, T context) {
    List<T> parts = partition.split(ops, x);
    List<T> st = logScaleAndShift(ops, parts.get(0), context);
    T changed = ops.add(ops.mul(parts.get(1), ops.exp(st.get(0))), st.get(1));
    return new Mapped<>(partition.join(ops, parts.get(0), changed), ops.sumAfter(st.get(0), 1));
  }

  /** {@code x₂ = (z₂ − t)⊙exp(−s)}. */
  @Override
  public <T> T inverse(TensorOps<T> ops, T z, T context) {
    List<T> parts = partition.split(ops, z);
    List<T> st = logScaleAndShift(ops, parts.get(0), context);
    T changed = ops.mul(ops.sub(parts.get(1), st.get(1)), ops.exp(ops.neg(st.get(0))));
    return partition.join(ops, parts.get(0), changed);
  }

  /** (s, t) for the changed features, from the kept ones and the context (null: none). */
  private <T> List<T> logScaleAndShift(TensorOps<T> ops, T kept, T context) {
    T in = context == null ? kept : ops.concat(kept, context, 1);
    List<T> raw = ops.split(net.apply(ops, in), 1, half);
    T s =
        scaleFactor != null
            ? ops.mul(ops.tanh(raw.get(0)), ops.parameter(scaleFactor))
            : ops.mulScalar(ops.tanh(ops.mulScalar(raw.get(0), 1 / bound)), bound);
    return List.of(s, raw.get(1));
  }
}
