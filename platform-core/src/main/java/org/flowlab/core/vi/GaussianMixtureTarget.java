package org.flowlab.core.vi;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import org.flowlab.api.config.Require;
import org.flowlab.api.nn.Scalars;
import org.flowlab.api.random.Seeds;
import org.flowlab.api.target.Target;
import org.flowlab.api.target.TargetDensity;

/**
 * An equally weighted mixture of {@code components} isotropic Gaussians of standard deviation
 * {@code sigma} in d dimensions ({@code target.dim}, default 2), means uniform on [−spread,
 * spread]^d drawn from {@code Seeds.stream(seed, "gmm-means")}; normalised, so log Z = 0.
 */
final class GaussianMixtureTarget implements TargetDensity<GaussianMixtureTarget.Params> {
  /**
   * {@code target.params} of the mixture.
   *
   * @param components number of components (default 8)
   * @param spread means lie in [−spread, spread]^d (default 4)
   * @param sigma each component's standard deviation (default 0.5)
   * @param seed the seed of the means (default 0)
   */
  public record Params(Integer components, Double spread, Double sigma, Long seed) {
    /** Fills defaults. */
    public Params {
      components = Require.atLeast("components", components == null ? 8 : components, 1);
      spread = Require.nonNegative("spread", spread == null ? 4.0 : spread);
      sigma = Require.positive("sigma", sigma == null ? 0.5 : sigma);
      seed = seed == null ? 0L : Require.atLeast("seed", seed, 0L);
    }
  }

  @Override
  public String name() {
    return "gmm";
  }

  @Override
  public String description() {
    return "mixture of isotropic Gaussians in d dimensions (default 2), seeded means";
  }

  @Override
  public Class<Params> configType() {
    return Params.class;
  }

  @Override
  public Target build(Params params, Integer dim) {
    int d = dim == null ? 2 : dim;
    int k = params.components();
    float[] means = new float[k * d];
    SplittableRandom rng = Seeds.stream(params.seed(), "gmm-means");
    for (int i = 0; i < means.length; i++) {
      means[i] = (float) ((2 * rng.nextDouble() - 1) * params.spread());
    }
    double sigma = params.sigma();
    double constant = Math.log(k) + 0.5 * d * Math.log(2 * Math.PI * sigma * sigma);
    return new Target() {
      @Override
      public NDArray logDensity(NDArray x) {
        NDArray mu = x.getManager().create(means, new Shape(1, k, d));
        NDArray sq = x.expandDims(1).sub(mu).square().sum(new int[] {2});
        NDArray logTerms = Scalars.mul(sq, -0.5 / (sigma * sigma));
        NDArray max = logTerms.max(new int[] {1}, true).stopGradient();
        return logTerms.sub(max).exp().sum(new int[] {1}).log().add(max.squeeze(1)).sub(constant);
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
        return params.spread() + 4 * sigma;
      }
    };
  }
}
