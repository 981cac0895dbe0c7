package org.flowlab.api.flow;

import ai.djl.ndarray.NDArray;

/**
 * A bijector whose training adds a penalty to the loss (FFJORD's kinetic-energy and Jacobian-norm
 * regularisers). The host adds {@link Flow#penalty()} to the mean negative log-likelihood.
 */
public interface Regularized {
  /**
   * The weighted penalty of the most recent {@link Bijector#forward} call: a scalar in that call's
   * autograd graph, or null when the penalty is switched off.
   */
  NDArray penalty();
}
