package org.flowlab.plugins.glow;

import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.flowlab.api.bijector.ActNorm;
import org.flowlab.api.bijector.AffineTransform;
import org.flowlab.api.bijector.Coupling;
import org.flowlab.api.bijector.FactorOut;
import org.flowlab.api.bijector.MultiScale;
import org.flowlab.api.bijector.Partition;
import org.flowlab.api.bijector.Squeeze;
import org.flowlab.api.distribution.StandardNormal;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.spi.FamilyBuildException;
import org.flowlab.api.spi.FlowFamily;
import org.pf4j.Extension;

/**
 * The {@code glow} family (Kingma and Dhariwal 2018). A step is actnorm → invertible 1×1
 * convolution → affine coupling (channel split, sigmoid(h + 2) scale, zero-initialised last layer).
 *
 * <ul>
 *   <li>Images {@code (c, h, w)}: L levels; each squeezes ({@code (c, h, w) → (4c, h/2, w/2)}) and
 *       runs K steps; every level but the last then splits: a learned conditional Gaussian prior
 *       for the second half of the channels given the first (a {@link Coupling} with {@link
 *       AffineTransform#standardizing}), and a {@link FactorOut} that sends that half to the latent
 *       and the first half to the next levels. A final reshape gives the latent the data's shape;
 *       the base is a standard normal, so sampling at temperature T scales every level's noise by
 *       T. Parameters {@code level.L.step.K.{actnorm,invconv,coupling.net}.*}, {@code
 *       level.L.prior.*}, {@code top.*}.
 *   <li>Vectors {@code (d)}, d ≥ 2: K steps whose 1×1 convolution is a dense invertible linear map
 *       and whose coupling network is an MLP. Parameters {@code step.K.{actnorm,invconv,
 *       coupling.net}.*}.
 * </ul>
 */
@Extension
public final class GlowFamily implements FlowFamily<GlowConfig> {
  @Override
  public String name() {
    return "glow";
  }

  @Override
  public String description() {
    return "Glow (Kingma and Dhariwal 2018): actnorm, invertible 1x1 convolutions, affine couplings,"
        + " multi-scale with a learned split prior; vectors and images";
  }

  @Override
  public Class<GlowConfig> configType() {
    return GlowConfig.class;
  }

  @Override
  public Flow build(GlowConfig config, BuildContext context) {
    Shape shape = context.eventShape();
    ParameterScope root = context.parameters();
    List<Bijector> bijectors =
        context.isImage(name())
            ? imageLevels(config, root, shape)
            : vectorSteps(config, root, shape);
    return new Flow(shape, new StandardNormal(), bijectors, root.parameters());
  }

  private static List<Bijector> vectorSteps(GlowConfig config, ParameterScope root, Shape shape) {
    int d = Math.toIntExact(shape.get(0));
    if (d < 2) {
      throw new FamilyBuildException(
          null, "glow needs at least 2 dimensions to split in its couplings, got " + d);
    }
    int kept = d / 2;
    Activation activation = Activation.named(config.activation());
    List<Bijector> steps = new ArrayList<>();
    for (int k = 0; k < config.steps(); k++) {
      ParameterScope step = root.child("step." + k);
      steps.add(new ActNorm(step.child("actnorm"), shape));
      steps.add(new InvertibleConv(step.child("invconv"), shape, config.invconv().equals("lu")));
      Conditioner net =
          Conditioner.mlp(step.child("coupling.net"), kept, config.hidden(), d - kept, activation);
      steps.add(coupling(step.child("coupling"), shape, net, AffineTransform.sigmoidScaled()));
    }
    return steps;
  }

  private static List<Bijector> imageLevels(GlowConfig config, ParameterScope root, Shape shape) {
    Squeeze.requireLevels(shape, config.levels());
    MultiScale.Built built =
        MultiScale.build(
            shape,
            config.levels(),
            true,
            (l, s, squeezed, last, out) -> {
              if (squeezed) {
                addLevel(config, root, l, s, last, out);
              }
            });
    return built.reshapedTo(shape);
  }

  /**
   * Appends level {@code l}'s steps on its squeezed shape {@code s} to {@code out}: parameters
   * {@code level.L.step.K.*}; then the learned top prior (last level) or the learned split prior
   * {@code level.L.prior.*} in front of the factor-out.
   */
  private static void addLevel(
      GlowConfig config, ParameterScope root, int l, Shape s, boolean last, List<Bijector> out) {
    int c = Math.toIntExact(s.get(0));
    int kept = c / 2;
    Activation activation = Activation.named(config.activation());
    boolean lu = config.invconv().equals("lu");
    boolean actnorm = config.couplingNorm().equals("actnorm");
    for (int k = 0; k < config.steps(); k++) {
      ParameterScope step = root.child("level." + l + ".step." + k);
      out.add(new ActNorm(step.child("actnorm"), s));
      out.add(new InvertibleConv(step.child("invconv"), s, lu));
      Conditioner net =
          Conditioner.conv(
              step.child("coupling.net"),
              kept,
              s.get(1),
              s.get(2),
              config.hiddenChannels(),
              c - kept,
              actnorm,
              activation);
      out.add(coupling(step.child("coupling"), s, net, AffineTransform.sigmoidScaled()));
    }
    if (last) {
      if (config.learnTop()) {
        out.add(new LearnedPrior(root.child("top"), s));
      }
    } else if (config.splitPrior().equals("learned")) {
      ParameterScope scope = root.child("level." + l + ".prior");
      Conditioner prior = Conditioner.zeroConv(scope, kept, c - kept);
      out.add(coupling(scope, s, prior, AffineTransform.standardizing()));
    }
  }

  /**
   * Glow's channel-split coupling on {@code shape}: the first half of axis 1 ({@code c/2} entries)
   * passes unchanged and conditions the rest through {@code net} (shift first, then raw scale).
   */
  private static Coupling coupling(
      ParameterScope scope, Shape shape, Conditioner net, AffineTransform transform) {
    int c = Math.toIntExact(shape.get(0));
    float[] mask = new float[c];
    Arrays.fill(mask, 0, c / 2, 1f);
    Shape changed = new Shape(c - c / 2).addAll(shape.slice(1));
    return new Coupling(new Partition(mask, scope.manager()), changed, net, transform, 0);
  }
}
