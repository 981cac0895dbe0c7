package org.flowlab.plugins.nsf;

import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.flowlab.api.bijector.ActNorm;
import org.flowlab.api.bijector.Autoregressive;
import org.flowlab.api.bijector.Coupling;
import org.flowlab.api.bijector.MultiScale;
import org.flowlab.api.bijector.Partition;
import org.flowlab.api.bijector.RationalQuadraticSpline;
import org.flowlab.api.bijector.Squeeze;
import org.flowlab.api.distribution.StandardNormal;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.Made;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.spi.FamilyBuildException;
import org.flowlab.api.spi.FlowFamily;
import org.pf4j.Extension;

/**
 * The {@code nsf} family (Durkan et al. 2019): rational-quadratic splines under a coupling
 * (RQ-NSF(C), {@code variant: coupling}) or an autoregressive conditioner (RQ-NSF(AR), {@code
 * variant: autoregressive}, vectors only).
 *
 * <ul>
 *   <li>Vectors {@code (d)}, d ≥ 2: {@code layers} couplings, each an optional {@link ActNorm} and
 *       a {@link Coupling} (RQ-NSF(C)) whose MLP sees the kept half (the first ⌈d/2⌉ features, then
 *       the rest, alternating). Parameters {@code layer.K.{actnorm,coupling.net}.*}.
 *   <li>Autoregressive, vectors {@code (d)}, d ≥ 2: {@code layers} {@link Autoregressive} layers in
 *       the MAF direction (density in one pass, sampling in d passes), each an optional {@link
 *       ActNorm} and a MADE conditioner; the order is natural, then reversed, alternating.
 *       Parameters {@code layer.K.{actnorm,autoregressive.made}.*}.
 *   <li>Images {@code (c, h, w)}: {@code levels} levels; each squeezes to {@code (4c, h/2, w/2)},
 *       runs {@code layers} channel couplings (kept half alternating) with conv conditioners, and
 *       all but the last factor out half of the channels. A final reshape gives the latent the
 *       data's shape. Parameters {@code level.L.layer.K.{actnorm,coupling.net}.*}.
 * </ul>
 *
 * The base is a standard normal; every coupling starts as the identity. Vector models are
 * conditional when the data gives a context ({@link BuildContext#contextDim()}): coupling MLPs read
 * it appended to their input, MADEs through a context map into their first hidden layer.
 */
@Extension
public final class NsfFamily implements FlowFamily<NsfConfig> {
  @Override
  public String name() {
    return "nsf";
  }

  @Override
  public String description() {
    return "Neural spline flows (Durkan et al. 2019): rational-quadratic spline couplings; MLP"
        + " conditioners for vectors, the multi-scale model with conv conditioners for images";
  }

  @Override
  public Class<NsfConfig> configType() {
    return NsfConfig.class;
  }

  @Override
  public Flow build(NsfConfig config, BuildContext context) {
    Shape shape = context.eventShape();
    ParameterScope root = context.parameters();
    List<Bijector> bijectors;
    boolean autoregressive = config.variant().equals("autoregressive");
    if (!context.isImage(name())) {
      bijectors =
          autoregressive
              ? autoregressiveLayers(config, root, shape, context.contextDim())
              : vectorLayers(config, root, shape, context.contextDim());
    } else if (autoregressive) {
      throw new FamilyBuildException(
          "variant",
          "the autoregressive variant supports vectors (d), got event shape "
              + shape
              + "; use variant: coupling for images");
    } else {
      context.requireVectorsForContext(name());
      bijectors = imageLevels(config, root, shape);
    }
    return new Flow(shape, new StandardNormal(), bijectors, root.parameters());
  }

  private static List<Bijector> vectorLayers(
      NsfConfig config, ParameterScope root, Shape shape, int contextDim) {
    int d = Math.toIntExact(shape.get(0));
    if (d < 2) {
      throw new FamilyBuildException(
          null, "nsf couplings need at least 2 dimensions to split, got " + d);
    }
    RationalQuadraticSpline spline = config.spline();
    Activation activation = Activation.named(config.activation());
    List<Bijector> out = new ArrayList<>();
    for (int k = 0; k < config.layers(); k++) {
      ParameterScope layer = root.child("layer." + k);
      if (config.actnorm()) {
        out.add(new ActNorm(layer.child("actnorm"), shape));
      }
      Partition partition = new Partition(halfMask(d, k % 2 == 1), root.manager());
      int kept = partition.keptSize();
      int changed = partition.changedSize();
      Conditioner net =
          Conditioner.mlp(
              layer.child("coupling.net"),
              kept + contextDim,
              config.hidden(),
              spline.paramsPerElement() * changed,
              activation);
      out.add(new Coupling(partition, new Shape(changed), net, spline, contextDim));
    }
    return out;
  }

  private static List<Bijector> autoregressiveLayers(
      NsfConfig config, ParameterScope root, Shape shape, int contextDim) {
    int d = Math.toIntExact(shape.get(0));
    if (d < 2) {
      throw new FamilyBuildException(
          null, "nsf's autoregressive variant needs at least 2 dimensions, got " + d);
    }
    RationalQuadraticSpline spline = config.spline();
    Activation activation = Activation.named(config.activation());
    int[] natural = Made.naturalOrder(d);
    int[] reversed = new int[d];
    for (int i = 0; i < d; i++) {
      reversed[i] = d + 1 - natural[i];
    }
    List<Bijector> out = new ArrayList<>();
    for (int k = 0; k < config.layers(); k++) {
      ParameterScope layer = root.child("layer." + k);
      if (config.actnorm()) {
        out.add(new ActNorm(layer.child("actnorm"), shape));
      }
      out.add(
          new Autoregressive(
              layer.child("autoregressive"),
              k % 2 == 0 ? natural : reversed,
              config.hidden(),
              activation,
              spline,
              Autoregressive.Direction.MAF,
              true,
              contextDim));
    }
    return out;
  }

  private static List<Bijector> imageLevels(NsfConfig config, ParameterScope root, Shape shape) {
    Squeeze.requireLevels(shape, config.levels());
    MultiScale.Built built =
        MultiScale.build(
            shape,
            config.levels(),
            true,
            (l, s, squeezed, last, out) -> {
              if (squeezed) {
                addLevel(config, root, l, s, out);
              }
            });
    return built.reshapedTo(shape);
  }

  /**
   * Appends level {@code l}'s spline couplings on its squeezed shape {@code s} to {@code out}:
   * parameters {@code level.L.layer.K.*}.
   */
  private static void addLevel(
      NsfConfig config, ParameterScope root, int l, Shape s, List<Bijector> out) {
    int c = Math.toIntExact(s.get(0));
    long h = s.get(1);
    long w = s.get(2);
    RationalQuadraticSpline spline = config.spline();
    Activation activation = Activation.named(config.activation());
    for (int k = 0; k < config.layers(); k++) {
      ParameterScope layer = root.child("level." + l + ".layer." + k);
      if (config.actnorm()) {
        out.add(new ActNorm(layer.child("actnorm"), s));
      }
      Partition partition = new Partition(halfMask(c, k % 2 == 1), root.manager());
      int kept = partition.keptSize();
      int changed = partition.changedSize();
      Conditioner net =
          Conditioner.conv(
              layer.child("coupling.net"),
              kept,
              config.hiddenChannels(),
              spline.paramsPerElement() * changed,
              activation);
      out.add(new Coupling(partition, new Shape(changed, h, w), net, spline, 0));
    }
  }

  /**
   * Keeps the first ⌈n/2⌉ entries of axis 1, or with {@code flipped} the others: a prefix or a
   * suffix, so a {@link Partition} splits it by slicing.
   */
  static float[] halfMask(int n, boolean flipped) {
    float[] mask = new float[n];
    for (int i = 0; i < n; i++) {
      mask[i] = (i < (n + 1) / 2) != flipped ? 1f : 0f;
    }
    return mask;
  }
}
