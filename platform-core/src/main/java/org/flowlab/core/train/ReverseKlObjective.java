package org.flowlab.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.nn.Scalars;
import org.flowlab.api.random.Seeds;
import org.flowlab.api.target.Target;

/**
 * {@code training.objective: reverse_kl}: the loss {@code mean(log q(x) − β·log p̃(x))} over {@code
 * batch_size} samples of the flow per step (the reparameterised negative ELBO, Rezende and Mohamed
 * 2015), {@code β} annealed from 0.01 to 1 over {@code anneal_steps} (1 throughout when 0). A
 * step's samples depend only on (seed, step), so a resumed run replays the uninterrupted one.
 */
public final class ReverseKlObjective implements Objective {
  /** Samples the validation −ELBO averages, the same latents at every validation. */
  public static final int VALIDATION_SAMPLES = 4096;

  private final Target target;
  private final long seed;
  private final int batchSize;
  private final long annealSteps;

  /**
   * @param target the unnormalised density to fit
   * @param seed the run seed
   * @param batchSize samples per step
   * @param annealSteps steps over which β rises from 0.01 to 1; 0 for β = 1 throughout
   */
  public ReverseKlObjective(Target target, long seed, int batchSize, long annealSteps) {
    this.target = target;
    this.seed = seed;
    this.batchSize = batchSize;
    this.annealSteps = annealSteps;
  }

  /** The target. */
  public Target target() {
    return target;
  }

  /** Samples per step. */
  @Override
  public int batchSize() {
    return batchSize;
  }

  /** β at 0-based {@code step}: {@code min(1, 0.01 + step/anneal_steps)}, as in the paper. */
  public double beta(long step) {
    return annealSteps == 0 ? 1.0 : Math.min(1.0, 0.01 + (double) step / annealSteps);
  }

  /** The loss of {@code step}, a scalar in the autograd graph of the flow's parameters. */
  @Override
  public NDArray loss(Flow flow, NDManager manager, long step) {
    Flow.Sampled s =
        flow.sampleWithLogProb(manager, batchSize, Seeds.stream(seed, "reverse-kl", step));
    return s.logProb().sub(Scalars.mul(target.logDensity(s.x()), beta(step))).mean();
  }

  /**
   * The negative ELBO, {@code mean(log q − log p̃)} (β = 1), on {@link #VALIDATION_SAMPLES} samples
   * of fixed latents: lower is better, and it equals {@code KL(q ‖ p) − log Z}.
   */
  @Override
  public double validationLoss(Flow flow, NDManager manager) {
    try (NDManager sub = manager.newSubManager()) {
      Flow.Sampled s =
          flow.sampleWithLogProb(
              sub, VALIDATION_SAMPLES, Seeds.stream(seed, "reverse-kl/validation"));
      return s.logProb()
          .sub(target.logDensity(s.x()))
          .mean()
          .toType(ai.djl.ndarray.types.DataType.FLOAT64, false)
          .getDouble();
    }
  }
}
