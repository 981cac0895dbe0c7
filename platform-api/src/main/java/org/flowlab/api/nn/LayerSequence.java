package org.flowlab.api.nn;

import java.util.ArrayList;
import java.util.List;
import org.flowlab.api.ops.TensorOps;

/** {@link DefinedLayer}s applied one after another, for {@link Mlp} and {@link Made}. */
abstract class LayerSequence implements DefinedLayer {
  /** The layers in order; a subclass adds them in its constructor. */
  protected final List<DefinedLayer> layers = new ArrayList<>();

  private final EagerOps eager;

  /**
   * @param scope whose {@link Autocast} the eager path computes in
   */
  LayerSequence(ParameterScope scope) {
    this.eager = EagerOps.of(scope.autocast());
  }

  /** Every layer in order (the chain rule of the JVP comes with the dual numbers). */
  @Override
  public <T> T apply(TensorOps<T> ops, T x) {
    for (DefinedLayer layer : layers) {
      x = layer.apply(ops, x);
    }
    return x;
  }

  @Override
  public EagerOps eager() {
    return eager;
  }
}
