package org.flowlab.plugins.nice;

import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.bijector.AdditiveTransform;
import org.flowlab.api.bijector.Coupling;
import org.flowlab.api.bijector.Partition;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.Mlp;
import org.flowlab.api.nn.ParameterScope;

/**
 * NICE's additive coupling on vectors (d): a {@link Coupling} with the shift {@link
 * AdditiveTransform}. The partition mask k (1 on x₁, the kept part, 0 on x₂) divides the features;
 * forward (data → latent): {@code z₁ = x₁, z₂ = x₂ + m(x₁)}, log-det 0; inverse {@code x₂ = z₂ −
 * m(z₁)}. The coupling function m is an {@link Mlp} from x₁ to x₂'s size, as in the paper; when its
 * last layer starts at zero, the coupling starts as the identity.
 */
final class AdditiveCoupling {
  private AdditiveCoupling() {}

  /**
   * @param scope where {@code net.*} is registered
   * @param keep 1 for the dimensions of x₁ (passed unchanged, conditioning), 0 for x₂
   * @param hidden the MLP's hidden widths
   * @param activation the MLP's nonlinearity
   * @param identityInit whether the MLP's last layer starts at zero
   */
  static Coupling create(
      ParameterScope scope,
      float[] keep,
      List<Integer> hidden,
      Activation activation,
      boolean identityInit) {
    Partition partition = new Partition(keep, scope.manager());
    int changed = partition.changedSize();
    Mlp net =
        new Mlp(
            scope.child("net"), partition.keptSize(), hidden, changed, activation, identityInit);
    return new Coupling(partition, new Shape(changed), net, AdditiveTransform.SHIFT, 0);
  }
}
