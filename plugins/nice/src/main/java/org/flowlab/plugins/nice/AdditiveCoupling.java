package org.flowlab.plugins.nice;

import java.util.List;
import org.flowlab.api.bijector.DefinedBijector;
import org.flowlab.api.bijector.Partition;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.EagerOps;
import org.flowlab.api.nn.Mlp;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.ops.Mapped;
import org.flowlab.api.ops.TensorOps;

/**
 * NICE's additive coupling on vectors (d). The partition mask k (1 on x₁, the kept part, 0 on x₂)
 * divides the features ({@link Partition}); forward (data → latent): {@code z₁ = x₁, z₂ = x₂ +
 * m(x₁)}; the Jacobian is unit triangular, so the log-det is 0. Inverse: {@code x₂ = z₂ − m(z₁)},
 * exact because {@code z₁ = x₁}.
 *
 * <p>The coupling function m is an {@link Mlp} from x₁ to x₂'s size, as in the paper; when its last
 * layer starts at zero, the coupling starts as the identity.
 */
final class AdditiveCoupling implements DefinedBijector {
  private final Partition partition;
  private final Mlp net;
  private final EagerOps eager;

  /**
   * @param scope where {@code net.*} is registered
   * @param keep 1 for the dimensions of x₁ (passed unchanged, conditioning), 0 for x₂
   * @param hidden the MLP's hidden widths
   * @param activation the MLP's nonlinearity
   * @param identityInit whether the MLP's last layer starts at zero
   */
  AdditiveCoupling(
      ParameterScope scope,
      float[] keep,
      List<Integer> hidden,
      Activation activation,
      boolean identityInit) {
    this.partition = new Partition(keep, scope.manager());
    this.eager = EagerOps.of(scope.autocast());
    this.net =
        new Mlp(
            scope.child("net"),
            partition.keptSize(),
            hidden,
            partition.changedSize(),
            activation,
            identityInit);
  }

  @Override
  public <T> Mapped<T> forward(TensorOps<T> ops, T x) {
    List<T> parts = partition.split(ops, x);
    T changed = ops.add(parts.get(1), net.apply(ops, parts.get(0)));
    return new Mapped<>(partition.join(ops, parts.get(0), changed), ops.zerosPerSample(x));
  }

  @Override
  public <T> T inverse(TensorOps<T> ops, T z) {
    List<T> parts = partition.split(ops, z);
    T changed = ops.sub(parts.get(1), net.apply(ops, parts.get(0)));
    return partition.join(ops, parts.get(0), changed);
  }

  @Override
  public EagerOps eager() {
    return eager;
  }
}
