package org.flowlab.plugins.realnvp;

import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.bijector.ActNorm;
import org.flowlab.api.bijector.FactorOut;
import org.flowlab.api.bijector.MultiScale;
import org.flowlab.api.bijector.Squeeze;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.nn.ParameterScope;

/**
 * The steps of RealNVP's multi-scale architecture (Dinh et al. 2017, section 3.6) for images {@code
 * (c, h, w)}, in the api's {@link MultiScale} recursion. Each scale but the last: 3 checkerboard
 * couplings (parity alternating), a {@link Squeeze} to {@code (4c, h/2, w/2)}, 3 channel-wise
 * couplings (halves alternating), then a {@link FactorOut} that keeps the first 2c channels for the
 * next scales and sends the rest to the latent. The last scale: 4 checkerboard couplings. With
 * {@code normalization: actnorm} every coupling is preceded by an {@link ActNorm}. Parameters:
 * {@code scale.S.step.K.{actnorm,coupling}.*}.
 */
final class ScaleSteps implements MultiScale.Steps {
  private final ParameterScope root;
  private final RealNvpConfig config;

  private ScaleSteps(ParameterScope root, RealNvpConfig config) {
    this.root = root;
    this.config = config;
  }

  /** The bijectors for {@code config.scales()} scales on images of {@code shape}, data → latent. */
  static MultiScale.Built build(ParameterScope root, Shape shape, RealNvpConfig config) {
    Squeeze.requireScales(shape, config.scales());
    return MultiScale.build(shape, config.scales(), false, new ScaleSteps(root, config));
  }

  @Override
  public void add(int s, Shape shape, boolean squeezed, boolean last, List<Bijector> out) {
    ParameterScope scope = root.child("scale." + s);
    int c = Math.toIntExact(shape.get(0));
    if (squeezed) {
      for (int k = 0; k < 3; k++) {
        ParameterScope at = scope.child("step." + (3 + k));
        normalize(out, at, shape);
        out.add(
            ImageCoupling.channels(
                at.child("coupling"), ImageMasks.channels(c, k % 2 == 1), shape, config));
      }
      return;
    }
    int h = Math.toIntExact(shape.get(1));
    int w = Math.toIntExact(shape.get(2));
    for (int k = 0; k < (last ? 4 : 3); k++) {
      ParameterScope at = scope.child("step." + k);
      normalize(out, at, shape);
      out.add(
          ImageCoupling.checkerboard(
              at.child("coupling"), ImageMasks.checkerboard(c, h, w, k % 2 == 1), shape, config));
    }
  }

  /** Adds the step's {@link ActNorm} when the config asks for one. */
  private void normalize(List<Bijector> out, ParameterScope step, Shape shape) {
    if (config.normalization().equals("actnorm")) {
      out.add(new ActNorm(step.child("actnorm"), shape));
    }
  }
}
