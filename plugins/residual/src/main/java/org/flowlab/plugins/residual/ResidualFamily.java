package org.flowlab.plugins.residual;

import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.flowlab.api.bijector.ActNorm;
import org.flowlab.api.distribution.BaseDistribution;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.spi.FlowFamily;
import org.pf4j.Extension;

/**
 * The {@code residual} family: i-ResNet and Residual Flows ({@code model.params.variant}) for
 * vector data of shape {@code (d)}. A stack of {@code blocks} steps, each an optional {@link
 * ActNorm} followed by a {@link ResidualBlock}. Parameters are named {@code step.K.actnorm.*} and
 * {@code step.K.block.net.*}.
 *
 * <p>{@code logProb(x, EXACT)} is exact for d ≤ 64; above, it uses {@code eval_terms} series terms
 * and reports {@code ESTIMATE}.
 */
@Extension
public final class ResidualFamily implements FlowFamily<ResidualConfig> {
  @Override
  public String name() {
    return "residual";
  }

  @Override
  public String description() {
    return "i-ResNet (Behrmann et al. 2019) and Residual Flows (Chen et al. 2019): invertible"
        + " residual blocks with estimated log-determinants, for vectors";
  }

  @Override
  public Class<ResidualConfig> configType() {
    return ResidualConfig.class;
  }

  @Override
  public Flow build(ResidualConfig config, BuildContext context) {
    Shape shape = context.eventShape();
    if (shape.dimension() != 1) {
      throw new IllegalArgumentException(
          "residual supports vector data of shape (d) only, got event shape " + shape);
    }
    int d = Math.toIntExact(shape.get(0));
    ParameterScope root = context.parameters();
    List<Bijector> steps = new ArrayList<>();
    List<ResidualBlock> blocks = new ArrayList<>();
    for (int k = 0; k < config.blocks(); k++) {
      ParameterScope step = root.child("step." + k);
      if (config.normalization().equals("actnorm")) {
        steps.add(new ActNorm(step.child("actnorm"), shape));
      }
      ResidualBlock block =
          new ResidualBlock(step.child("block"), "step." + k + ".block", d, config);
      blocks.add(block);
      steps.add(block);
    }
    BaseDistribution base = BaseDistribution.named(config.base());
    new InverseCalibration(
        steps, base, shape, root.parameters(), blocks, config.inverseMaxIterations());
    return new Flow(shape, base, steps, root.parameters());
  }
}
