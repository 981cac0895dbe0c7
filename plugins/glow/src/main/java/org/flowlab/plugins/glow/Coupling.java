package org.flowlab.plugins.glow;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.nn.Activation;

/**
 * A channel-split affine coupling, for vectors {@code (d)} (features) and images {@code (c, h, w)}
 * (channels). The input splits along axis 1 into the first {@code kept} entries {@code x_a}, which
 * pass unchanged, and the rest {@code x_b}. Forward (data → latent): {@code z_b = (x_b + a)·exp(b)}
 * with {@code (a, raw) = net(x_a)}; log-det {@code Σ b}. Inverse: {@code x_b = z_b·exp(−b) − a}.
 *
 * <ul>
 *   <li>{@link Kind#SIGMOID} (Glow's coupling): {@code exp(b) = sigmoid(raw + 2)}, a bounded scale
 *       that starts near 0.88; {@code b = −softplus(−(raw + 2))} computed stably.
 *   <li>{@link Kind#GAUSSIAN} (Glow's learned split prior, written as a bijector): {@code a = −μ},
 *       {@code b = −log σ} with {@code (μ, log σ) = net(x_a)}, so {@code z_b = (x_b − μ)/σ} is
 *       standard normal exactly when {@code x_b ~ N(μ(x_a), σ(x_a)²)}; log-det {@code −Σ log σ}.
 *       With the conditioner zero-initialised it starts as the identity.
 * </ul>
 */
final class Coupling implements Bijector {
  /** How the conditioner's raw output becomes the log-scale {@code b}. */
  enum Kind {
    /** {@code b = log sigmoid(raw + 2)}. */
    SIGMOID,
    /** {@code b = −raw}, raw read as log σ of a conditional Gaussian; the shift is −μ. */
    GAUSSIAN
  }

  private final long kept;
  private final long rest;
  private final Conditioner net;
  private final Kind kind;

  /**
   * @param kept entries of axis 1 that pass unchanged and condition the others
   * @param rest entries of axis 1 that are transformed
   * @param net maps {@code x_a} to {@code 2·rest} entries on axis 1
   * @param kind how the scale is formed
   */
  Coupling(long kept, long rest, Conditioner net, Kind kind) {
    this.kept = kept;
    this.rest = rest;
    this.net = net;
    this.kind = kind;
  }

  @Override
  public Transformed forward(NDArray x, LogDetMode mode) {
    return run(x, false);
  }

  @Override
  public NDArray initialize(NDArray x) {
    return run(x, true).value();
  }

  private Transformed run(NDArray x, boolean initialize) {
    NDArray xa = x.get(new NDIndex(":, :{}", kept));
    NDArray[] ab = shiftAndLogScale(xa, initialize);
    NDArray zb = x.get(new NDIndex(":, {}:", kept)).add(ab[0]).mul(ab[1].exp());
    long n = x.getShape().get(0);
    NDArray logDet = ab[1].reshape(n, -1).sum(new int[] {1});
    return new Transformed(NDArrays.concat(new NDList(xa, zb), 1), logDet, LogDetMode.EXACT);
  }

  @Override
  public NDArray inverse(NDArray z) {
    NDArray za = z.get(new NDIndex(":, :{}", kept));
    NDArray[] ab = shiftAndLogScale(za, false);
    NDArray xb = z.get(new NDIndex(":, {}:", kept)).mul(ab[1].neg().exp()).sub(ab[0]);
    return NDArrays.concat(new NDList(za, xb), 1);
  }

  /** {@code [a, b]}, each with {@code rest} entries on axis 1. */
  private NDArray[] shiftAndLogScale(NDArray xa, boolean initialize) {
    NDList h = net.apply(xa, initialize).split(new long[] {rest}, 1);
    NDArray raw = h.get(1);
    if (kind == Kind.SIGMOID) {
      return new NDArray[] {h.get(0), Activation.softplus(raw.add(2).neg()).neg()};
    }
    return new NDArray[] {h.get(0).neg(), raw.neg()};
  }
}
