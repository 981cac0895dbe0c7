package org.flowlab.api.target;

import ai.djl.ndarray.NDArray;
import java.util.OptionalDouble;

/**
 * An unnormalised density p̃ on vectors of {@link #dim()} dimensions, {@code p = p̃ / Z}: what
 * reverse-KL training fits a flow to ({@code KL(q ‖ p) = E_q[log q − log p̃] + log Z}).
 */
public interface Target {
  /**
   * Per-sample {@code log p̃(x)}, differentiable in x (reverse-KL gradients flow through it).
   *
   * @param x a batch of shape (n, dim)
   * @return shape (n)
   */
  NDArray logDensity(NDArray x);

  /** The dimension of x. */
  int dim();

  /** {@code log Z} in closed form when known (normalised targets: 0); empty otherwise. */
  OptionalDouble logNormalizer();

  /**
   * Half the side of a square centred at 0 that holds all but a negligible part of the mass, for 2D
   * plots and for {@code log Z} by quadrature on a grid when it has no closed form (default 6).
   */
  default double extent() {
    return 6;
  }
}
