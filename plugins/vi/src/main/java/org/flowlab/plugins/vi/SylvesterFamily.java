package org.flowlab.plugins.vi;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.EnumSet;
import java.util.Set;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.Direction;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.spi.FamilyBuildException;
import org.flowlab.api.spi.FlowFamily;
import org.pf4j.Extension;

/**
 * The {@code sylvester} family (van den Berg et al. 2018): {@code layers} Sylvester layers ({@link
 * SylvesterLayer}) on vectors over a standard normal base, sampling direction only. The variant
 * says how each layer's Q is made ({@link OrthonormalBases}): {@code orthogonal} from a free d×M
 * parameter {@code q}, {@code householder} from {@code reflections} vectors {@code v} (H×d), {@code
 * triangular} as the identity on even layers and the reversal on odd ones (no parameter).
 */
@Extension
public final class SylvesterFamily implements FlowFamily<SylvesterConfig> {
  @Override
  public String name() {
    return "sylvester";
  }

  @Override
  public Set<Direction> directions() {
    return EnumSet.of(Direction.SAMPLING);
  }

  @Override
  public Class<SylvesterConfig> configType() {
    return SylvesterConfig.class;
  }

  @Override
  public String description() {
    return "Sylvester flow z + QR·tanh(R̃Qᵀz + b) for variational inference (van den Berg et al."
        + " 2018), orthogonal, Householder or triangular Q, sampling direction only";
  }

  @Override
  public Flow build(SylvesterConfig config, BuildContext context) {
    return LayerStack.build(
        name(), context, config.layers(), (scope, k, d) -> layer(config, scope, k, d));
  }

  private static Bijector layer(SylvesterConfig config, ParameterScope scope, int k, int d) {
    Initializer init = Initializer.uniform(1 / Math.sqrt(d));
    switch (config.variant()) {
      case "orthogonal" -> {
        int m = config.orthogonalVectors() == null ? d : config.orthogonalVectors();
        if (m > d) {
          throw new FamilyBuildException(
              "orthogonal_vectors", "must be <= the dimension " + d + ", got " + m);
        }
        NDArray q = scope.trainable("q", new Shape(d, m), init);
        return new SylvesterLayer(scope, d, m, () -> OrthonormalBases.orthonormalized(q));
      }
      case "householder" -> {
        int reflections = config.reflections() == null ? d : config.reflections();
        NDArray v = scope.trainable("v", new Shape(reflections, d), init);
        return new SylvesterLayer(scope, d, d, () -> OrthonormalBases.householderProduct(v));
      }
      default -> {
        NDArray p = OrthonormalBases.permutation(scope.manager(), d, k % 2 == 1);
        return new SylvesterLayer(scope, d, d, () -> p);
      }
    }
  }
}
