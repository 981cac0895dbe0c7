package org.flowlab.plugins.nice;

import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
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
 * The {@code nice} family (Dinh et al. 2014). For vectors (d), d ≥ 2: {@code couplings} additive
 * couplings whose partition swaps roles from one to the next, then a diagonal scaling layer; only
 * the scaling changes volume. Images (c, h, w) are flattened to the vector (c·h·w) first, as in the
 * paper's MNIST model. Parameters are named {@code coupling.K.net.*} and {@code scaling.log_scale}
 */
@Extension
public final class NiceFamily implements FlowFamily<NiceConfig> {
  @Override
  public String name() {
    return "nice";
  }

  @Override
  public String description() {
    return "NICE (Dinh et al. 2014): additive couplings and a diagonal scaling, for vectors and"
        + " (flattened) images";
  }

  @Override
  public Class<NiceConfig> configType() {
    return NiceConfig.class;
  }

  @Override
  public Flow build(NiceConfig config, BuildContext context) {
    Shape shape = context.eventShape();
    context.isImage(name()); // images are flattened: only the shape check matters
    int d = Math.toIntExact(shape.size());
    if (d < 2) {
      throw new FamilyBuildException(
          null, "nice needs at least 2 dimensions to split between couplings, got " + shape);
    }
    ParameterScope root = context.parameters();
    Activation activation = Activation.named(config.activation());
    List<Bijector> steps = new ArrayList<>();
    for (int k = 0; k < config.couplings(); k++) {
      steps.add(
          AdditiveCoupling.create(
              root.child("coupling." + k),
              partition(config.partition(), d, k % 2 == 1),
              config.hidden(),
              activation,
              config.identityInit()));
    }
    steps.add(new DiagonalScaling(root.child("scaling"), d));
    return new Flow(
        shape,
        BaseDistribution.named(config.prior()),
        Reshape.flattened(shape, steps),
        root.parameters());
  }

  /**
   * The partition of one coupling: 1 for the dimensions of x₁ (kept, conditioning), 0 for x₂.
   * {@code alternating} keeps the first ⌈d/2⌉ dimensions, {@code checkerboard} the even indices;
   * {@code swapped} keeps the others.
   */
  static float[] partition(String kind, int d, boolean swapped) {
    float[] keep = new float[d];
    for (int i = 0; i < d; i++) {
      boolean first = kind.equals("checkerboard") ? i % 2 == 0 : i < (d + 1) / 2;
      keep[i] = first != swapped ? 1f : 0f;
    }
    return keep;
  }
}
