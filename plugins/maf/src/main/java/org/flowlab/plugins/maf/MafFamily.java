package org.flowlab.plugins.maf;

import org.flowlab.api.bijector.AffineTransform;
import org.flowlab.api.bijector.Autoregressive;
import org.flowlab.api.bijector.Autoregressive.Direction;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.spi.FlowFamily;
import org.pf4j.Extension;

/**
 * The {@code maf} family (Papamakarios et al. 2017). For vectors (d), d ≥ 2: {@code layers} affine
 * autoregressive layers ({@link Autoregressive#stack}, MAF direction: data → latent in one pass,
 * sampling by d passes), each optionally after an actnorm. Images (c, h, w) are flattened to the
 * vector (c·h·w) first, as in the paper's MNIST and CIFAR-10 models. Parameters are named {@code
 * layer.K.made.*} and {@code actnorm.K.*}. With a context from the data ({@link
 * BuildContext#contextDim()}, vectors only) every MADE reads it through {@code
 * layer.K.made.context.*} (into the first hidden layer) and {@code layer.K.made.context_out.*}
 * (into the output).
 */
@Extension
public final class MafFamily implements FlowFamily<MafConfig> {
  @Override
  public String name() {
    return "maf";
  }

  @Override
  public String description() {
    return "MAF (Papamakarios et al. 2017): affine autoregressive layers with MADE conditioners,"
        + " density in one pass, for vectors and (flattened) images";
  }

  @Override
  public Class<MafConfig> configType() {
    return MafConfig.class;
  }

  @Override
  public Flow build(MafConfig config, BuildContext context) {
    return config
        .options()
        .flow(name(), AffineTransform.softClamped(config.logScaleBound()), Direction.MAF, context);
  }
}
