package org.flowlab.plugins.ffjord;

import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.flowlab.api.bijector.ActNorm;
import org.flowlab.api.bijector.MultiScale;
import org.flowlab.api.bijector.Squeeze;
import org.flowlab.api.distribution.StandardNormal;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.ode.DormandPrince;
import org.flowlab.api.ode.OdeSolver;
import org.flowlab.api.ode.RungeKutta4;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.spi.FlowFamily;
import org.pf4j.Extension;

/**
 * The {@code ffjord} family: for vector data of shape {@code (d)}, a stack of {@code blocks}
 * continuous normalizing flow blocks ({@link CnfBlock}) with time-conditioned MLPs ({@link
 * TimeNet}), each optionally preceded by {@link ActNorm}, with a standard normal base. Parameters
 * are named {@code block.K.actnorm.*} and {@code block.K.cnf.*} ({@code net.L.weight}, {@code
 * end_time_raw}, …).
 *
 * <p>For images {@code (c, h, w)}: FFJORD's multiscale model (Grathwohl et al. 2019, after
 * RealNVP's) with time-conditioned conv nets ({@link TimeNet}). Each scale: {@code blocks} CNF
 * blocks on {@code (c, h, w)}; every scale but the last then squeezes to {@code (4c, h/2, w/2)},
 * runs {@code blocks} more CNF blocks and factors out half the channels, the kept {@code (2c, h/2,
 * w/2)} going on to the next scale. Parameters {@code scale.S.block.K.{actnorm,cnf}.*}. The latent
 * is reshaped to the data's shape. Logit preprocessing is the host's ({@code data.logit_alpha}).
 *
 * <p>Solvers: {@code dopri5} with {@code atol}/{@code rtol} for training (ESTIMATE) and {@code
 * eval_atol}/{@code eval_rtol} for exact-mode evaluation and sampling, controlling z and the
 * log-det (not the regulariser accumulators); or {@code rk4} with {@code steps} for both.
 */
@Extension
public final class FfjordFamily implements FlowFamily<FfjordConfig> {
  @Override
  public String name() {
    return "ffjord";
  }

  @Override
  public String description() {
    return "FFJORD (Grathwohl et al. 2019): continuous normalizing flows, Hutchinson or exact"
        + " traces, dopri5/rk4, for vectors and (multiscale, conv) images";
  }

  @Override
  public Class<FfjordConfig> configType() {
    return FfjordConfig.class;
  }

  @Override
  public Flow build(FfjordConfig config, BuildContext context) {
    if (context.isImage(name())) {
      return buildImage(config, context);
    }
    Shape shape = context.eventShape();
    ParameterScope root = context.parameters();
    OdeSolver train = solver(config, config.atol(), config.rtol());
    OdeSolver eval = solver(config, config.evalAtol(), config.evalRtol());
    List<Bijector> steps = new ArrayList<>();
    for (int k = 0; k < config.blocks(); k++) {
      addBlock(steps, root.child("block." + k), shape, config, train, eval);
    }
    return new Flow(shape, new StandardNormal(), steps, root.parameters());
  }

  private static Flow buildImage(FfjordConfig config, BuildContext context) {
    Shape shape = context.eventShape();
    Squeeze.requireScales(shape, config.scales());
    ParameterScope root = context.parameters();
    OdeSolver train = solver(config, config.atol(), config.rtol());
    OdeSolver eval = solver(config, config.evalAtol(), config.evalRtol());
    // Scale S: blocks scale.S.block.0..K−1, then after its squeeze scale.S.block.K..2K−1.
    MultiScale.Built built =
        MultiScale.build(
            shape,
            config.scales(),
            false,
            (s, at, squeezed, last, out) -> {
              int first = squeezed ? config.blocks() : 0;
              for (int k = 0; k < config.blocks(); k++) {
                ParameterScope block = root.child("scale." + s).child("block." + (first + k));
                addBlock(out, block, at, config, train, eval);
              }
            });
    List<Bijector> steps = built.reshapedTo(shape);
    return new Flow(shape, new StandardNormal(), steps, root.parameters());
  }

  private static void addBlock(
      List<Bijector> out,
      ParameterScope block,
      Shape shape,
      FfjordConfig config,
      OdeSolver train,
      OdeSolver eval) {
    if (config.actnorm()) {
      out.add(new ActNorm(block.child("actnorm"), shape));
    }
    out.add(CnfBlock.of(block.child("cnf"), shape, config, train, eval));
  }

  /** The configured solver at the given tolerances (rk4 ignores them). */
  static OdeSolver solver(FfjordConfig config, double atol, double rtol) {
    if (config.solver().equals("rk4")) {
      return new RungeKutta4(config.steps());
    }
    // Controls z and the log-det; regulariser accumulators ride along uncontrolled.
    return new DormandPrince(atol, rtol, config.maxSteps(), 2, 0);
  }
}
