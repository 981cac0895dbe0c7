package org.flowlab.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.flowlab.api.flow.Flow;

/**
 * A training loss other than maximum likelihood on the data's rows, e.g. {@link ReverseKlObjective}
 * (samples of the flow against a target) or a VAE's negative ELBO. The {@link Trainer} optimises
 * every trainable parameter of the flow it is given, so an objective that trains more than a flow
 * hands the trainer a flow that owns all of them.
 */
public interface Objective {
  /** Points one step draws. */
  int batchSize();

  /**
   * Points in one epoch of training ({@code training.epochs} × this / batch size steps); {@link
   * #batchSize()} for an objective that draws fresh samples every step.
   */
  default int epochSize() {
    return batchSize();
  }

  /**
   * The loss of 0-based {@code step}, a scalar in the autograd graph of the parameters; it depends
   * only on the parameters and (seed, step), so a resumed run replays the uninterrupted one.
   */
  NDArray loss(Flow flow, NDManager manager, long step);

  /** The validation figure (lower is better), on fixed points or samples. */
  double validationLoss(Flow flow, NDManager manager);
}
