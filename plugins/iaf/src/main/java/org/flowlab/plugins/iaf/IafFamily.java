package org.flowlab.plugins.iaf;

import org.flowlab.api.bijector.AffineTransform;
import org.flowlab.api.bijector.Autoregressive;
import org.flowlab.api.bijector.Autoregressive.Direction;
import org.flowlab.api.bijector.ElementwiseTransform;
import org.flowlab.api.flow.Flow;
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
    ElementwiseTransform transform =
        config.gated()
            ? AffineTransform.gated()
            : AffineTransform.softClamped(config.logScaleBound());
    return config.options().flow(name(), transform, Direction.IAF, context);
  }
}
