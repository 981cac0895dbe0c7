package org.flowlab.api.bijector;

import org.flowlab.api.ops.Mapped;
import org.flowlab.api.ops.TensorOps;

/**
 * A {@link DefinedBijector} that may read a context: it writes its math once, in the context-taking
 * definitions ({@code context} null exactly when {@link #contextDim()} is 0), and the two-argument
 * definitions are those with a null context.
 */
public interface ConditionalBijector extends DefinedBijector {
  @Override
  <T> Mapped<T> forward(TensorOps<T> ops, T x, T context);

  @Override
  <T> T inverse(TensorOps<T> ops, T z, T context);

  @Override
  default <T> Mapped<T> forward(TensorOps<T> ops, T x) {
    return forward(ops, x, null);
  }

  @Override
  default <T> T inverse(TensorOps<T> ops, T z) {
    return inverse(ops, z, null);
  }
}
