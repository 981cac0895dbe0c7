package org.flowlab.plugins.glow;

import ai.djl.ndarray.NDArray;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.flowlab.api.bijector.DefinedBijector;
import org.flowlab.api.bijector.Partition;
import org.flowlab.api.nn.EagerOps;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.ops.Mapped;
import org.flowlab.api.ops.TensorOps;

/**
 * A channel-split affine coupling, for vectors {@code (d)} (features) and images {@code (c, h, w)}
 * (channels). The input splits along axis 1 ({@link Partition}) into the first {@code kept} entries
 * {@code x_a}, which pass unchanged, and the rest {@code x_b}. Forward (data → latent): {@code z_b
 * = (x_b + a)·exp(b)} with {@code (a, raw) = net(x_a)}; log-det {@code Σ b}. Inverse: {@code x_b =
 * z_b·exp(−b) − a}.
 *
 * <ul>
 *   <li>{@link Kind#SIGMOID} (Glow's coupling): {@code exp(b) = sigmoid(raw + 2)}, a bounded scale
 *       that starts near 0.88.
 *   <li>{@link Kind#GAUSSIAN} (Glow's learned split prior, written as a bijector): {@code a = −μ},
 *       {@code b = −log σ} with {@code (μ, log σ) = net(x_a)}, so {@code z_b = (x_b − μ)/σ} is
 *       standard normal exactly when {@code x_b ~ N(μ(x_a), σ(x_a)²)}; log-det {@code −Σ log σ}.
 *       With the conditioner zero-initialised it starts as the identity.
 * </ul>
 */
final class Coupling implements DefinedBijector {
  /** How the conditioner's raw output becomes the log-scale {@code b}. */
  enum Kind {
    /** {@code b = log sigmoid(raw + 2)}. */
    SIGMOID,
    /** {@code b = −raw}, raw read as log σ of a conditional Gaussian; the shift is −μ. */
    GAUSSIAN
  }

  private final Partition partition;
  private final long[] half;
  private final Conditioner net;
  private final Kind kind;
  private final EagerOps eager;

  /**
   * @param scope whose manager and autocast the coupling computes with
   * @param kept entries of axis 1 that pass unchanged and condition the others
   * @param rest entries of axis 1 that are transformed
   * @param net maps {@code x_a} to {@code 2·rest} entries on axis 1
   * @param kind how the scale is formed
   */
  Coupling(ParameterScope scope, int kept, int rest, Conditioner net, Kind kind) {
    float[] mask = new float[kept + rest];
    Arrays.fill(mask, 0, kept, 1f);
    this.partition = new Partition(mask, scope.manager());
    this.half = new long[] {rest};
    this.net = net;
    this.kind = kind;
    this.eager = EagerOps.of(scope.autocast());
  }

  @Override
  public EagerOps eager() {
    return eager;
  }

  @Override
  public <T> Mapped<T> forward(TensorOps<T> ops, T x) {
    return couple(ops, x, xa -> net.apply(ops, xa));
  }

  /** The forward pass whose conditioner's actnorm layers set themselves from this batch. */
  @Override
  public NDArray initialize(NDArray x) {
    return couple(eager, x, net::initialize).value();
  }

  /** {@code z_b = (x_b + a)·exp(b)}, log-det {@code Σ b}, with {@code conditioner} as the net. */
  private <T> Mapped<T> couple(TensorOps<T> ops, T x, UnaryOperator<T> conditioner) {
    List<T> parts = partition.split(ops, x);
    Affine<T> ab = affine(ops, conditioner.apply(parts.get(0)));
    T zb = ops.mul(ops.add(parts.get(1), ab.shift()), ab.scale());
    return new Mapped<>(partition.join(ops, parts.get(0), zb), ops.sumAfter(ab.logScale(), 1));
  }

  /** {@code x_b = z_b / exp(b) − a}. */
  @Override
  public <T> T inverse(TensorOps<T> ops, T z) {
    List<T> parts = partition.split(ops, z);
    Affine<T> ab = affine(ops, net.apply(ops, parts.get(0)));
    T xb = ops.sub(ops.div(parts.get(1), ab.scale()), ab.shift());
    return partition.join(ops, parts.get(0), xb);
  }

  /**
   * {@code (a, exp(b), b)} from the conditioner's output. For the sigmoid scale, {@code b =
   * log(sigmoid(raw + 2))} directly (as Glow does): fewer ops than a stable log-sigmoid, and it
   * only underflows for raw &lt; −85, far outside what training visits.
   */
  private <T> Affine<T> affine(TensorOps<T> ops, T netOutput) {
    List<T> h = ops.split(netOutput, 1, half);
    T raw = h.get(1);
    if (kind == Kind.SIGMOID) {
      T scale = ops.sigmoid(ops.addScalar(raw, 2));
      return new Affine<>(h.get(0), scale, ops.log(scale));
    }
    T logScale = ops.neg(raw);
    return new Affine<>(ops.neg(h.get(0)), ops.exp(logScale), logScale);
  }

  /**
   * The shift a, the scale exp(b) and the log-scale b, each with {@code rest} entries on axis 1.
   */
  private record Affine<T>(T shift, T scale, T logScale) {}
}
