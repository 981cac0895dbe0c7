package org.flowlab.core.vi;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import java.util.OptionalDouble;
import org.flowlab.api.config.InvalidValueException;
import org.flowlab.api.config.Require;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.Scalars;
import org.flowlab.api.target.Target;
import org.flowlab.api.target.TargetDensity;

/**
 * Rezende and Mohamed's (2015, Table 1) 2D energies, {@code p̃(z) = exp(−U(z))}, with {@code w₁ =
 * sin(2πz₁/4)}, {@code w₂ = 3·exp(−½((z₁ − 1)/0.6)²)}, {@code w₃ = 3·σ((z₁ − 1)/0.3)}. U2–U4 do not
 * depend on z₁ alone and so have no finite mass on the plane; the paper shows them on [−4, 4]².
 * Here z₁ is held there by a wall, {@code + ½((|z₁| − box)₊/0.2)²}, flat inside the box (U1, a ring
 * of radius 2, does not reach it). log Z has no closed form: the evaluation integrates on a grid.
 */
final class EnergyTarget implements TargetDensity<EnergyTarget.Params> {
  /**
   * {@code target.params} of U1–U4.
   *
   * @param box the half-width of the z₁ range the wall keeps (default 4, the paper's plots)
   */
  public record Params(Double box) {
    /** Fills the default. */
    public Params {
      box = Require.positive("box", box == null ? 4.0 : box);
    }
  }

  private static final double WALL_WIDTH = 0.2;

  private final int index;

  /**
   * @param index 1..4, the energy's number in the paper
   */
  EnergyTarget(int index) {
    this.index = index;
  }

  @Override
  public String name() {
    return "u" + index;
  }

  @Override
  public String description() {
    return "Rezende & Mohamed (2015) energy U" + index + " in 2D";
  }

  @Override
  public Class<Params> configType() {
    return Params.class;
  }

  @Override
  public Target build(Params params, Integer dim) {
    if (dim != null && dim != 2) {
      throw new InvalidValueException("dim", name() + " is 2-dimensional, got " + dim);
    }
    return new Target() {
      @Override
      public NDArray logDensity(NDArray x) {
        NDArray z1 = x.get(new NDIndex(":, 0"));
        NDArray z2 = x.get(new NDIndex(":, 1"));
        NDArray outside = Scalars.maximum(z1.abs().sub(params.box()), 0);
        NDArray wall = Scalars.mul(Scalars.div(outside, WALL_WIDTH).square(), 0.5);
        return logUnwalled(z1, z2).sub(wall);
      }

      @Override
      public int dim() {
        return 2;
      }

      @Override
      public OptionalDouble logNormalizer() {
        return OptionalDouble.empty();
      }

      @Override
      public double extent() {
        return Math.max(6, params.box() + 1);
      }
    };
  }

  /** {@code −U(z)}. */
  private NDArray logUnwalled(NDArray z1, NDArray z2) {
    NDArray w1 = Scalars.mul(z1, Math.PI / 2).sin();
    return switch (index) {
      case 1 -> {
        NDArray radius = z1.square().add(z2.square()).sqrt();
        yield LogMath.halfSquare(radius, 2, 0.4)
            .add(
                LogMath.logAddExp(LogMath.halfSquare(z1, 2, 0.6), LogMath.halfSquare(z1, -2, 0.6)));
      }
      case 2 -> LogMath.halfSquare(z2.sub(w1), 0, 0.4);
      case 3 -> {
        NDArray w2 = Scalars.mul(LogMath.halfSquare(z1, 1, 0.6).exp(), 3);
        NDArray d = z2.sub(w1);
        yield LogMath.logAddExp(
            LogMath.halfSquare(d, 0, 0.35), LogMath.halfSquare(d.add(w2), 0, 0.35));
      }
      case 4 -> {
        NDArray w3 = Scalars.mul(Activation.sigmoid(Scalars.div(z1.sub(1), 0.3)), 3);
        NDArray d = z2.sub(w1);
        yield LogMath.logAddExp(
            LogMath.halfSquare(d, 0, 0.4), LogMath.halfSquare(d.add(w3), 0, 0.35));
      }
      default -> throw new IllegalStateException("no energy U" + index);
    };
  }
}
