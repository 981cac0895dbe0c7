package org.flowlab.api.nn;

import org.flowlab.api.ops.TensorOps;

/**
 * A pre-activation residual block of a residual {@link Made}: {@code h + W₂·act(W₁·act(h))}, both
 * maps {@link MaskedLinear} with the same mask between units of the same degrees, so an output unit
 * depends only on inputs that its degree allows. {@code W₂} starts at zero: the block starts as the
 * identity. Weights in {@code 0.*} and {@code 1.*} of its scope.
 */
final class MaskedResidualBlock implements DefinedLayer {
  private final MaskedLinear first;
  private final MaskedLinear second;
  private final Activation activation;
  private final EagerOps eager;

  MaskedResidualBlock(ParameterScope scope, boolean[][] mask, Activation activation) {
    this.first = new MaskedLinear(scope.child("0"), mask, false);
    this.second = new MaskedLinear(scope.child("1"), mask, true);
    this.activation = activation;
    this.eager = EagerOps.of(scope.autocast());
  }

  @Override
  public <T> T apply(TensorOps<T> ops, T h) {
    T inner = first.apply(ops, activation.apply(ops, h));
    return ops.add(h, second.apply(ops, activation.apply(ops, inner)));
  }

  @Override
  public EagerOps eager() {
    return eager;
  }
}
