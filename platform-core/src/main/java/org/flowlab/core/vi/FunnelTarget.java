package org.flowlab.core.vi;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import java.util.OptionalDouble;
import org.flowlab.api.config.InvalidValueException;
import org.flowlab.api.config.Require;
import org.flowlab.api.target.Target;
import org.flowlab.api.target.TargetDensity;

/**
 * Neal's funnel in d dimensions (Neal 2003): {@code x₀ ~ N(0, scale²)}, {@code x_i | x₀ ~ N(0,
 * exp(x₀))} for i = 1..d−1; normalised, so log Z = 0. {@code target.dim} defaults to 10, as in
 * Neal's paper.
 */
final class FunnelTarget implements TargetDensity<FunnelTarget.Params> {
  /**
   * {@code target.params} of the funnel.
   *
   * @param scale the standard deviation of x₀ (default 3)
   */
  public record Params(Double scale) {
    /** Fills the default. */
    public Params {
      scale = Require.positive("scale", scale == null ? 3.0 : scale);
    }
  }

  @Override
  public String name() {
    return "funnel";
  }

  @Override
  public String description() {
    return "Neal's funnel in d dimensions (default 10): x0 ~ N(0, 9), xi ~ N(0, exp(x0))";
  }

  @Override
  public Class<Params> configType() {
    return Params.class;
  }

  @Override
  public Target build(Params params, Integer dim) {
    int d = dim == null ? 10 : dim;
    if (d < 2) {
      throw new InvalidValueException("dim", "funnel needs at least 2 dimensions, got " + d);
    }
    return new Target() {
      @Override
      public NDArray logDensity(NDArray x) {
        NDArray x0 = x.get(new NDIndex(":, 0:1"));
        NDArray rest = x.get(new NDIndex(":, 1:"));
        NDArray inner = LogMath.normalLogDensity(rest, x0.broadcast(rest.getShape()));
        return LogMath.normalLogDensity(x0, params.scale())
            .squeeze(1)
            .add(inner.sum(new int[] {1}));
      }

      @Override
      public int dim() {
        return d;
      }

      @Override
      public OptionalDouble logNormalizer() {
        return OptionalDouble.of(0);
      }

      @Override
      public double extent() {
        return 8;
      }
    };
  }
}
