package org.flowlab.plugins.realnvp;

import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.bijector.AffineTransform;
import org.flowlab.api.bijector.Coupling;
import org.flowlab.api.bijector.Partition;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.Mlp;
import org.flowlab.api.nn.ParameterScope;

/**
 * RealNVP's affine coupling on vectors: a {@link Coupling} whose mask divides the features ({@link
 * Partition}) into the kept ones x₁ (mask 1) and the changed ones x₂. Forward (data → latent):
 * {@code z₂ = x₂⊙exp(s) + t} with {@code (s, t) = net(x₁)}; log-det {@code Σ s}; inverse {@code x₂
 * = (z₂ − t)⊙exp(−s)}.
 *
 * <p>The conditioner is an {@link Mlp} from the kept features to (s, t) for the changed ones (s
 * first), whose last layer starts at zero, so the coupling starts as the identity. Its log-scale is
 * bounded ({@link AffineTransform}): {@code s = factor·tanh(raw)} with a learned per-feature {@code
 * scale_factor} starting at 1, or a soft clamp {@code s = b·tanh(raw/b)} with a fixed bound.
 *
 * <p>Conditional (a context of k &gt; 0 features): the MLP reads the kept features with the context
 * appended, {@code (s, t) = net([x₁, c])}.
 */
final class AffineCoupling {
  private AffineCoupling() {}

  /**
   * @param scope where {@code net.*} (and {@code scale_factor}) are registered
   * @param mask 1 for the dimensions that pass unchanged, 0 for those transformed
   * @param hidden the conditioner's hidden widths
   * @param activation the conditioner's nonlinearity
   * @param learnedScale true for {@code factor·tanh(raw)}, false for the soft clamp
   * @param bound the soft clamp's bound (unused with a learned scale)
   * @param contextDim features of the context the conditioner reads (0: none)
   */
  static Coupling create(
      ParameterScope scope,
      float[] mask,
      List<Integer> hidden,
      Activation activation,
      boolean learnedScale,
      double bound,
      int contextDim) {
    Partition partition = new Partition(mask, scope.manager());
    int changed = partition.changedSize();
    int in = partition.keptSize() + contextDim;
    Mlp net = new Mlp(scope.child("net"), in, hidden, 2 * changed, activation, true);
    AffineTransform transform =
        learnedScale
            ? AffineTransform.learnedBound(
                scope.trainable("scale_factor", new Shape(changed), Initializer.ONES))
            : AffineTransform.softClamped(bound);
    return new Coupling(partition, new Shape(changed), net, transform.scaleFirst(), contextDim);
  }
}
