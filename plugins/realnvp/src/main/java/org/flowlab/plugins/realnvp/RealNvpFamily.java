package org.flowlab.plugins.realnvp;

import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.flowlab.api.bijector.ActNorm;
import org.flowlab.api.bijector.MultiScale;
import org.flowlab.api.bijector.Reshape;
import org.flowlab.api.distribution.BaseDistribution;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.spi.FamilyBuildException;
import org.flowlab.api.spi.FlowFamily;
import org.pf4j.Extension;

/**
 * The {@code realnvp} family. For vector data of shape {@code (d)}, d ≥ 2: a stack of {@code
 * couplings} steps, each an optional {@link ActNorm} followed by an affine coupling with an MLP
 * conditioner whose mask flips from one step to the next; parameters {@code step.K.actnorm.*} and
 * {@code step.K.coupling.*}. For images {@code (c, h, w)}: the paper's multi-scale model ({@link
 * ScaleSteps}: checkerboard and channel-wise couplings with ResNet conditioners, squeeze,
 * factor-out), whose latent has the shape of the data. Vector models are conditional when the data
 * gives a context ({@link BuildContext#contextDim()}): every coupling's MLP reads it. Logit
 * preprocessing is not part of the family: the host prepends it when the experiment sets {@code
 * data.logit_alpha}.
 */
@Extension
public final class RealNvpFamily implements FlowFamily<RealNvpConfig> {
  @Override
  public String name() {
    return "realnvp";
  }

  @Override
  public String description() {
    return "RealNVP (Dinh et al. 2017): affine couplings; MLP couplings for vectors, the multi-scale"
        + " model with ResNet couplings for images";
  }

  @Override
  public Class<RealNvpConfig> configType() {
    return RealNvpConfig.class;
  }

  @Override
  public Flow build(RealNvpConfig config, BuildContext context) {
    Shape shape = context.eventShape();
    if (context.isImage(name())) {
      context.requireVectorsForContext(name());
      return buildImage(config, context);
    }
    int d = Math.toIntExact(shape.get(0));
    if (d < 2) {
      throw new FamilyBuildException(
          null, "realnvp needs at least 2 dimensions to split between couplings, got " + d);
    }
    ParameterScope root = context.parameters();
    Activation activation = Activation.named(config.activation());
    boolean learnedScale = config.scale().equals("tanh");
    List<Bijector> steps = new ArrayList<>();
    for (int k = 0; k < config.couplings(); k++) {
      ParameterScope step = root.child("step." + k);
      if (config.normalization().equals("actnorm")) {
        steps.add(new ActNorm(step.child("actnorm"), shape));
      }
      steps.add(
          AffineCoupling.create(
              step.child("coupling"),
              mask(config.mask(), d, k % 2 == 1),
              config.hidden(),
              activation,
              learnedScale,
              config.scaleBound(),
              context.contextDim()));
    }
    return new Flow(shape, BaseDistribution.named(config.base()), steps, root.parameters());
  }

  private static Flow buildImage(RealNvpConfig config, BuildContext context) {
    Shape shape = context.eventShape();
    ParameterScope root = context.parameters();
    MultiScale.Built built = ScaleSteps.build(root, shape, config);
    List<Bijector> steps = new ArrayList<>(built.bijectors());
    if (!built.latentShape().equals(shape)) {
      steps.add(new Reshape(new Shape(shape.size()), shape));
    }
    return new Flow(shape, BaseDistribution.named(config.base()), steps, root.parameters());
  }

  /**
   * The mask of one coupling: 1 for the dimensions it keeps. {@code alternating} keeps the first
   * ⌈d/2⌉ dimensions, {@code checkerboard} the even indices; {@code flipped} keeps the others.
   */
  static float[] mask(String kind, int d, boolean flipped) {
    float[] mask = new float[d];
    for (int i = 0; i < d; i++) {
      boolean keep = kind.equals("checkerboard") ? i % 2 == 0 : i < (d + 1) / 2;
      mask[i] = keep != flipped ? 1f : 0f;
    }
    return mask;
  }
}
