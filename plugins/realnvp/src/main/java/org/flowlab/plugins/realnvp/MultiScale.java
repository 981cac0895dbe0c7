package org.flowlab.plugins.realnvp;

import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.flowlab.api.bijector.ActNorm;
import org.flowlab.api.bijector.FactorOut;
import org.flowlab.api.bijector.Squeeze;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.Chain;
import org.flowlab.api.nn.ParameterScope;

/**
 * The multi-scale architecture of RealNVP (Dinh et al. 2017, section 3.6) for images {@code (c, h,
 * w)}. Each scale but the last: 3 checkerboard couplings (parity alternating), a {@link Squeeze} to
 * {@code (4c, h/2, w/2)}, 3 channel-wise couplings (halves alternating), then a {@link FactorOut}
 * that keeps the first 2c channels for the next scales and sends the rest to the latent. The last
 * scale: 4 checkerboard couplings. With {@code normalization: actnorm} every coupling is preceded
 * by an {@link ActNorm}. Parameters: {@code scale.S.step.K.{actnorm,coupling}.*}.
 */
final class MultiScale {
  private MultiScale() {}

  /** The bijectors of scales {@code s..scales−1} on images of {@code shape}, and their latent. */
  record Built(List<Bijector> bijectors, Shape latentShape) {}

  /** The bijectors for {@code scales} scales starting at {@code shape}, data → latent. */
  static Built build(ParameterScope scope, Shape shape, RealNvpConfig config) {
    Squeeze.requireScales(shape, config.scales());
    return scales(scope, shape, 0, config);
  }

  private static Built scales(ParameterScope root, Shape shape, int s, RealNvpConfig config) {
    ParameterScope scope = root.child("scale." + s);
    int c = Math.toIntExact(shape.get(0));
    int h = Math.toIntExact(shape.get(1));
    int w = Math.toIntExact(shape.get(2));
    List<Bijector> out = new ArrayList<>();
    boolean last = s == config.scales() - 1;
    int checkers = last ? 4 : 3;
    int step = 0;
    for (int k = 0; k < checkers; k++, step++) {
      ParameterScope at = scope.child("step." + step);
      normalize(out, at, shape, config);
      out.add(
          ImageCoupling.checkerboard(
              at.child("coupling"), ImageMasks.checkerboard(c, h, w, k % 2 == 1), shape, config));
    }
    if (last) {
      return new Built(out, shape);
    }
    Squeeze squeeze = new Squeeze(shape);
    out.add(squeeze);
    Shape squeezed = squeeze.outputShape();
    int c4 = 4 * c;
    for (int k = 0; k < 3; k++, step++) {
      ParameterScope at = scope.child("step." + step);
      normalize(out, at, squeezed, config);
      out.add(
          ImageCoupling.channels(
              at.child("coupling"), ImageMasks.channels(c4, k % 2 == 1), squeezed, config));
    }
    Shape keptShape = new Shape(c4 / 2, h / 2, w / 2);
    Built inner = scales(root, keptShape, s + 1, config);
    FactorOut factorOut =
        new FactorOut(squeezed, c4 / 2, new Chain(inner.bijectors()), inner.latentShape());
    out.add(factorOut);
    return new Built(out, factorOut.outputShape());
  }

  /** Adds the step's {@link ActNorm} when the config asks for one. */
  private static void normalize(
      List<Bijector> out, ParameterScope step, Shape shape, RealNvpConfig config) {
    if (config.normalization().equals("actnorm")) {
      out.add(new ActNorm(step.child("actnorm"), shape));
    }
  }
}
