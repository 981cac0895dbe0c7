package org.flowlab.core.vi;

import ai.djl.ndarray.NDArray;
import org.flowlab.api.nn.Scalars;

/** Elementwise log-space helpers on batches, differentiable. */
final class LogMath {
  private static final double HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

  private LogMath() {}

  /** {@code log(exp(a) + exp(b))}, stable. */
  static NDArray logAddExp(NDArray a, NDArray b) {
    return a.maximum(b).add(a.sub(b).abs().neg().exp().add(1).log());
  }

  /** {@code −½((x − mean)/std)²}: a Gaussian's log-density up to its constant. */
  static NDArray halfSquare(NDArray x, double mean, double std) {
    return Scalars.mul(Scalars.div(x.sub(mean), std).square(), -0.5);
  }

  /** {@code log N(x; 0, exp(logVar))} elementwise, with a per-element log-variance. */
  static NDArray normalLogDensity(NDArray x, NDArray logVar) {
    return Scalars.mul(x.square().mul(logVar.neg().exp()).add(logVar), -0.5).sub(HALF_LOG_2PI);
  }

  /** {@code log N(x; 0, std²)} elementwise. */
  static NDArray normalLogDensity(NDArray x, double std) {
    return halfSquare(x, 0, std).sub(HALF_LOG_2PI + Math.log(std));
  }
}
