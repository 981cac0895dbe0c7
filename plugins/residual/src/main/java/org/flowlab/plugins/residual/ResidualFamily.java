package org.flowlab.plugins.residual;

import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.flowlab.api.bijector.ActNorm;
import org.flowlab.api.bijector.FactorOut;
import org.flowlab.api.bijector.MultiScale;
import org.flowlab.api.bijector.Squeeze;
import org.flowlab.api.distribution.BaseDistribution;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.spi.FlowFamily;
import org.pf4j.Extension;

/**
 * The {@code residual} family: i-ResNet and Residual Flows ({@code model.params.variant}).
 *
 * <ul>
 *   <li>Vectors {@code (d)}: a stack of {@code blocks} steps, each an optional {@link ActNorm}
 *       followed by a {@link ResidualBlock} whose g is a {@link LipschitzMlp}; parameters {@code
 *       step.K.actnorm.*} and {@code step.K.block.net.*}.
 *   <li>Images {@code (c, h, w)}: a multi-scale model of {@code scales} scales. Each scale runs
 *       {@code blocks} steps (optional actnorm, then a residual block whose g is a {@link
 *       LipschitzCnn} of 3×3 convolutions); each scale but the last then squeezes to {@code (4c,
 *       h/2, w/2)} and factors out half the channels ({@link FactorOut}), the other half going on
 *       to the next scale. The latent has the data's shape. Parameters {@code
 *       scale.S.step.K.{actnorm,block}.*}. Logit preprocessing is the host's ({@code
 *       data.logit_alpha}).
 * </ul>
 *
 * <p>{@code logProb(x, EXACT)} is exact when the data dimension is at most 64 (each block's
 * dimension is then at most 64 too); above, it uses {@code eval_terms} series terms and reports
 * {@code ESTIMATE}.
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
        + " residual blocks with estimated log-determinants; MLP blocks for vectors, a multi-scale"
        + " model of convolutional blocks for images";
  }

  @Override
  public Class<ResidualConfig> configType() {
    return ResidualConfig.class;
  }

  @Override
  public Flow build(ResidualConfig config, BuildContext context) {
    if (context.isImage(name())) {
      return buildImage(config, context);
    }
    Shape shape = context.eventShape();
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
    return flow(config, shape, shape, steps, blocks, root);
  }

  private static Flow buildImage(ResidualConfig config, BuildContext context) {
    Shape shape = context.eventShape();
    Squeeze.requireScales(shape, config.scales());
    ParameterScope root = context.parameters();
    List<ResidualBlock> blocks = new ArrayList<>();
    MultiScale.Built built =
        MultiScale.build(
            shape,
            config.scales(),
            false,
            (s, at, squeezed, last, out) -> {
              if (!squeezed) {
                addBlocks(root, s, at, config, blocks, out);
              }
            });
    List<Bijector> steps = built.reshapedTo(shape);
    return flow(config, shape, shape, steps, blocks, root);
  }

  private static Flow flow(
      ResidualConfig config,
      Shape shape,
      Shape latentShape,
      List<Bijector> steps,
      List<ResidualBlock> blocks,
      ParameterScope root) {
    BaseDistribution base = BaseDistribution.named(config.base());
    new InverseCalibration(
        steps,
        base,
        latentShape,
        root.parameters(),
        blocks,
        config.inverseMaxIterations(),
        root.manager());
    return new Flow(shape, latentShape, base, steps, root.parameters());
  }

  /**
   * Appends the blocks of scale {@code s} (none after its squeeze) to {@code out} and to {@code
   * blocks}: parameters {@code scale.S.step.K.{actnorm,block}.*}.
   */
  private static void addBlocks(
      ParameterScope root,
      int s,
      Shape shape,
      ResidualConfig config,
      List<ResidualBlock> blocks,
      List<Bijector> out) {
    ParameterScope scope = root.child("scale." + s);
    for (int k = 0; k < config.blocks(); k++) {
      ParameterScope step = scope.child("step." + k);
      if (config.normalization().equals("actnorm")) {
        out.add(new ActNorm(step.child("actnorm"), shape));
      }
      LipschitzCnn net =
          new LipschitzCnn(
              step.child("block").child("net"),
              shape,
              config.hidden(),
              config.activation(),
              config.coeff(),
              config.powerIterations());
      ResidualBlock block = new ResidualBlock("scale." + s + ".step." + k + ".block", net, config);
      blocks.add(block);
      out.add(block);
    }
  }
}
