package org.flowlab.core.vi;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import java.util.OptionalDouble;
import org.flowlab.api.config.InvalidValueException;
import org.flowlab.api.config.Require;
import org.flowlab.api.nn.Scalars;
import org.flowlab.api.target.Target;
import org.flowlab.api.target.TargetDensity;

/**
 * A banana in 2D: {@code x₁ ~ N(0, 1)}, {@code x₂ | x₁ ~ N(curvature·(x₁² − 1), sigma²)};
 * normalised, so log Z = 0.
 */
final class BananaTarget implements TargetDensity<BananaTarget.Params> {
  /**
   * {@code target.params} of the banana.
   *
   * @param curvature how strongly x₂'s mean bends with x₁ (default 1)
   * @param sigma the standard deviation of x₂ given x₁ (default 0.5)
   */
  public record Params(Double curvature, Double sigma) {
    /** Fills defaults. */
    public Params {
      curvature = curvature == null ? 1.0 : curvature;
      sigma = Require.positive("sigma", sigma == null ? 0.5 : sigma);
    }
  }

  @Override
  public String name() {
    return "banana";
  }

  @Override
  public String description() {
    return "banana in 2D: x1 ~ N(0, 1), x2 | x1 ~ N(curvature·(x1² − 1), sigma²)";
  }

  @Override
  public Class<Params> configType() {
    return Params.class;
  }

  @Override
  public Target build(Params params, Integer dim) {
    if (dim != null && dim != 2) {
      throw new InvalidValueException("dim", "banana is 2-dimensional, got " + dim);
    }
    return new Target() {
      @Override
      public NDArray logDensity(NDArray x) {
        NDArray x1 = x.get(new NDIndex(":, 0"));
        NDArray x2 = x.get(new NDIndex(":, 1"));
        NDArray mean = Scalars.mul(x1.square().sub(1), params.curvature());
        return LogMath.normalLogDensity(x1, 1)
            .add(LogMath.normalLogDensity(x2.sub(mean), params.sigma()));
      }

      @Override
      public int dim() {
        return 2;
      }

      @Override
      public OptionalDouble logNormalizer() {
        return OptionalDouble.of(0);
      }
    };
  }
}
