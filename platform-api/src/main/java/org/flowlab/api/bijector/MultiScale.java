package org.flowlab.api.bijector;

import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.Chain;

/**
 * The multi-scale recursion of image flows (RealNVP, Glow, NSF, Residual Flows, FFJORD), data →
 * latent. A level runs the family's steps at its input shape {@code (c, h, w)}, a {@link Squeeze}
 * to {@code (4c, h/2, w/2)}, the family's steps there, and, at every level but the last, a {@link
 * FactorOut} that sends half the channels to the latent and runs the next levels on the kept half.
 * The last level stops after its first steps, or squeezes and runs its second steps too ({@code
 * squeezeLast}, as Glow and NSF do).
 *
 * <p>The family writes the steps ({@link Steps}) and opens its own parameter scopes there, so its
 * parameter names are its own; checking the image size against the number of levels stays with the
 * family too, whose config names the key ({@link Squeeze#requireScales} for {@code scales}).
 */
public final class MultiScale {
  private MultiScale() {}

  /** The steps of one level, written by the family. */
  public interface Steps {
    /**
     * Appends bijectors for images of {@code shape} to {@code out}.
     *
     * @param level the level, 0 for the data's
     * @param shape the event shape they run on
     * @param squeezed false before the level's squeeze, true after it
     * @param last whether this is the last level (no factor-out follows)
     * @param out where to append them, data → latent
     */
    void add(int level, Shape shape, boolean squeezed, boolean last, List<Bijector> out);
  }

  /**
   * The bijectors of every level, data → latent, and the shape of the latent they produce.
   *
   * @param bijectors the first level's, its factor-out holding the next levels
   * @param latentShape the shape one data point's latent has
   */
  public record Built(List<Bijector> bijectors, Shape latentShape) {
    /**
     * The bijectors followed, where the latent's shape differs from {@code dataShape}, by a {@link
     * Reshape} that gives the latent the data's shape.
     */
    public List<Bijector> reshapedTo(Shape dataShape) {
      List<Bijector> out = new ArrayList<>(bijectors);
      if (!latentShape.equals(dataShape)) {
        out.add(new Reshape(latentShape, dataShape));
      }
      return out;
    }
  }

  /**
   * Builds {@code levels} levels on images of {@code shape}.
   *
   * @param shape the images {@code (c, h, w)}
   * @param levels at least 1; each but the last halves h and w (the last one too with {@code
   *     squeezeLast})
   * @param squeezeLast whether the last level squeezes and runs its second steps
   * @param steps the family's steps
   */
  public static Built build(Shape shape, int levels, boolean squeezeLast, Steps steps) {
    if (levels < 1) {
      throw new IllegalArgumentException("a multi-scale flow needs at least 1 level: " + levels);
    }
    return level(shape, 0, levels, squeezeLast, steps);
  }

  private static Built level(Shape shape, int level, int levels, boolean squeezeLast, Steps steps) {
    boolean last = level == levels - 1;
    List<Bijector> out = new ArrayList<>();
    steps.add(level, shape, false, last, out);
    if (last && !squeezeLast) {
      return new Built(out, shape);
    }
    Squeeze squeeze = new Squeeze(shape);
    out.add(squeeze);
    Shape squeezed = squeeze.outputShape();
    steps.add(level, squeezed, true, last, out);
    if (last) {
      return new Built(out, squeezed);
    }
    long kept = squeezed.get(0) / 2;
    Built inner =
        level(
            new Shape(kept, squeezed.get(1), squeezed.get(2)),
            level + 1,
            levels,
            squeezeLast,
            steps);
    FactorOut factorOut =
        new FactorOut(squeezed, kept, new Chain(inner.bijectors()), inner.latentShape());
    out.add(factorOut);
    return new Built(out, factorOut.outputShape());
  }
}
