package org.flowlab.plugins.iaf;

import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.bijector.AffineTransform;
import org.flowlab.api.bijector.Autoregressive;
import org.flowlab.api.bijector.Autoregressive.Direction;
import org.flowlab.api.bijector.Reshape;
import org.flowlab.api.distribution.BaseDistribution;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.spi.FlowFamily;
import org.pf4j.Extension;

/**
 * The {@code iaf} family (Kingma et al. 2016). For vectors (d), d ≥ 2: {@code layers} affine or
 * gated autoregressive layers ({@link Autoregressive#stack}, IAF direction: latent → data in one
 * pass, the conditioner reading the latent; the density of given data by d passes), each optionally
 * after an actnorm. Images (c, h, w) are flattened to the vector (c·h·w) first. Parameters are
 * named {@code layer.K.made.*} and {@code actnorm.K.*}. With a context from the data ({@link
 * BuildContext#contextDim()}, vectors only) every MADE reads it through {@code
 * layer.K.made.context.*} (into the first hidden layer) and {@code layer.K.made.context_out.*}
 * (into the output).
 */
@Extension
public final class IafFamily implements FlowFamily<IafConfig> {
  @Override
  public String name() {
    return "iaf";
  }

  @Override
  public String description() {
    return "IAF (Kingma et al. 2016): affine or gated autoregressive layers with MADE conditioners,"
        + " sampling in one pass, density by d passes, for vectors and (flattened) images";
  }

  @Override
  public Class<IafConfig> configType() {
    return IafConfig.class;
  }

  @Override
  public Flow build(IafConfig config, BuildContext context) {
    Shape shape = context.eventShape();
    int d = Autoregressive.flattenedSize(name(), shape, context.contextDim());
    ParameterScope root = context.parameters();
    List<Bijector> steps =
        Autoregressive.stack(
            root,
            d,
            config.layers(),
            config.order(),
            config.hidden(),
            Activation.named(config.activation()),
            config.residual(),
            config.gated()
                ? AffineTransform.gated()
                : AffineTransform.softClamped(config.logScaleBound()),
            Direction.IAF,
            config.actnorm(),
            config.identityInit(),
            context.contextDim());
    return new Flow(
        shape,
        BaseDistribution.named(config.prior()),
        Reshape.flattened(shape, steps),
        root.parameters());
  }
}
