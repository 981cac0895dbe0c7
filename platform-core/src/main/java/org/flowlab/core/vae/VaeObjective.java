package org.flowlab.core.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.random.Seeds;
import org.flowlab.core.data.DataSplits;
import org.flowlab.core.data.Points;
import org.flowlab.core.train.Objective;
import org.flowlab.core.train.Trainer;

/**
 * A VAE's training loss: the negative ELBO, {@code −mean log w} over a minibatch of binarised
 * training images with one posterior draw each (the reparameterised estimate). The batch of step
 * {@code s} is a slice of the epoch's seeded permutation ({@link Trainer#permutation}) and its
 * noise comes from {@code Seeds.stream(seed, "vae/eps", s)}, so a step depends only on (seed, s)
 * and a resumed run replays the uninterrupted one. Validation: the −ELBO of the validation split
 * with fixed noise.
 */
public final class VaeObjective implements Objective {
  private final VaeModel model;
  private final DataSplits data;
  private final long seed;
  private final int batchSize;
  private int[] order;
  private long orderEpoch = -1;

  /**
   * @param model the VAE being trained
   * @param data binarised images, one row per image
   * @param seed the run seed
   * @param batchSize images per step (at most the training split's size)
   */
  public VaeObjective(VaeModel model, DataSplits data, long seed, int batchSize) {
    this.model = model;
    this.data = data;
    this.seed = seed;
    this.batchSize = Math.min(batchSize, data.train().count());
  }

  @Override
  public int batchSize() {
    return batchSize;
  }

  @Override
  public int epochSize() {
    return data.train().count();
  }

  /** The negative ELBO of {@code step}'s minibatch; {@code flow} is the model's training view. */
  @Override
  public NDArray loss(Flow flow, NDManager manager, long step) {
    int perEpoch = Math.max(1, data.train().count() / batchSize);
    long epoch = step / perEpoch;
    if (epoch != orderEpoch) {
      order = Trainer.permutation(data.train().count(), seed, epoch);
      orderEpoch = epoch;
    }
    float[] rows = new float[batchSize * data.dim()];
    data.train().copyRows(order, (int) (step % perEpoch) * batchSize, batchSize, rows, null, null);
    NDArray x = manager.create(rows, new Shape(batchSize, data.dim()));
    NDArray eps = noise(manager, batchSize, model.latentDim(), seed, "vae/eps", step);
    return model.logWeights(x, model.encode(x), eps).mean().neg();
  }

  /** The −ELBO (nats) of the validation split, one draw per image from fixed noise. */
  @Override
  public double validationLoss(Flow flow, NDManager manager) {
    return -meanElbo(model, data.val(), seed, "vae/validation", manager);
  }

  /**
   * The mean ELBO (nats) of {@code split}, one posterior draw per image, the noise of the chunk
   * starting at image {@code i} from {@code Seeds.stream(seed, purpose, i)}; in chunks, without
   * gradients.
   */
  static double meanElbo(
      VaeModel model, Points split, long seed, String purpose, NDManager manager) {
    int n = split.count();
    int dim = split.dim();
    double sum = 0;
    for (int start = 0; start < n; start += CHUNK) {
      int count = Math.min(CHUNK, n - start);
      try (NDManager sub = manager.newSubManager()) {
        float[] rows = new float[count * dim];
        split.copyRange(start, count, rows, null, null);
        NDArray x = sub.create(rows, new Shape(count, dim));
        NDArray eps = noise(sub, count, model.latentDim(), seed, purpose, start);
        sum +=
            model
                .logWeights(x, model.encode(x), eps)
                .sum()
                .toType(DataType.FLOAT64, false)
                .getDouble();
      }
    }
    return sum / n;
  }

  /** Images per evaluation chunk. */
  static final int CHUNK = 500;

  /**
   * Standard normal noise, shape (n, latent), from {@code Seeds.stream(seed, purpose, counter)}.
   */
  static NDArray noise(
      NDManager manager, int n, int latent, long seed, String purpose, long counter) {
    return manager.create(
        Seeds.normal(Seeds.stream(seed, purpose, counter), n * latent), new Shape(n, latent));
  }
}
