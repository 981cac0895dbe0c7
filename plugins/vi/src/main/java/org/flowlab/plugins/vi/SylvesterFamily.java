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
 * triangular} as the identity on even layers and the reversal on odd ones (no parameter). Built
 * with a context ({@link BuildContext#contextDim()} &gt; 0) the flow is amortised: every layer's R,
 * R̃ and b follow the context, and so do the Householder vectors; the orthogonal variant's Q stays
 * shared (why: {@link OrthonormalBases}).
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
        name(),
        context,
        config.layers(),
        (scope, k, d) -> layer(config, scope, k, d, context.contextDim()));
  }

  private static Bijector layer(
      SylvesterConfig config, ParameterScope scope, int k, int d, int contextDim) {
    Initializer init = Initializer.uniform(1 / Math.sqrt(d));
    switch (config.variant()) {
      case "orthogonal" -> {
        int m = config.orthogonalVectors() == null ? d : config.orthogonalVectors();
        if (m > d) {
          throw new FamilyBuildException(
              "orthogonal_vectors", "must be <= the dimension " + d + ", got " + m);
        }
        NDArray q = scope.trainable("q", new Shape(d, m), init);
        OrthonormalBases.Basis basis =
            OrthonormalBases.fixed(() -> OrthonormalBases.orthonormalized(q));
        return new SylvesterLayer(scope, d, m, basis, contextDim);
      }
      case "householder" -> {
        int reflections = config.reflections() == null ? d : config.reflections();
        Amortized v = new Amortized(scope, "v", new Shape(reflections, d), init, contextDim);
        NDArray identity = scope.manager().eye(d);
        OrthonormalBases.Basis basis = OrthonormalBases.householder(v, reflections, identity);
        return new SylvesterLayer(scope, d, d, basis, contextDim);
      }
      default -> {
        NDArray p = OrthonormalBases.permutation(scope.manager(), d, k % 2 == 1);
        return new SylvesterLayer(scope, d, d, OrthonormalBases.fixed(() -> p), contextDim);
      }
    }
  }
}
