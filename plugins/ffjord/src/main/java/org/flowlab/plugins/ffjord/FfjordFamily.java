package org.flowlab.plugins.ffjord;

import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.flowlab.api.bijector.ActNorm;
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
 * continuous normalizing flow blocks ({@link CnfBlock}), each optionally preceded by {@link
 * ActNorm}, with a standard normal base. Parameters are named {@code block.K.actnorm.*} and {@code
 * block.K.cnf.*} ({@code net.L.weight}, {@code end_time_raw}, …).
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
        + " traces, dopri5/rk4, for vectors";
  }

  @Override
  public Class<FfjordConfig> configType() {
    return FfjordConfig.class;
  }

  @Override
  public Flow build(FfjordConfig config, BuildContext context) {
    Shape shape = context.eventShape();
    if (shape.dimension() != 1) {
      throw new IllegalArgumentException(
          "ffjord supports vector data of shape (d) only, got event shape " + shape);
    }
    int d = Math.toIntExact(shape.get(0));
    ParameterScope root = context.parameters();
    OdeSolver train = solver(config, config.atol(), config.rtol());
    OdeSolver eval = solver(config, config.evalAtol(), config.evalRtol());
    List<Bijector> steps = new ArrayList<>();
    for (int k = 0; k < config.blocks(); k++) {
      ParameterScope block = root.child("block." + k);
      if (config.actnorm()) {
        steps.add(new ActNorm(block.child("actnorm"), shape));
      }
      steps.add(new CnfBlock(block.child("cnf"), d, config, train, eval));
    }
    return new Flow(shape, new StandardNormal(), steps, root.parameters());
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
