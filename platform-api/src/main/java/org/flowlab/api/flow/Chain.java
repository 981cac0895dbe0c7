package org.flowlab.api.flow;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Bijectors composed in order: forward (data → latent) runs them first to last and sums their
 * log-dets; inverse runs their inverses last to first. The log-det is {@code ESTIMATE} as soon as
 * one member estimated its own. Figures and penalties of the members are passed on, so a chain
 * nested in another bijector (the next scales behind a {@link org.flowlab.api.bijector.FactorOut})
 * still reports them.
 */
public final class Chain implements Bijector, Instrumented, Regularized {
  private final List<Bijector> bijectors;

  /**
   * @param bijectors data → latent, in order
   */
  public Chain(List<Bijector> bijectors) {
    this.bijectors = List.copyOf(bijectors);
  }

  @Override
  public Transformed forward(NDArray x, LogDetMode mode) {
    NDArray logDet = x.getManager().zeros(new Shape(x.getShape().get(0)), x.getDataType());
    LogDetMode used = LogDetMode.EXACT;
    for (Bijector bijector : bijectors) {
      Transformed step = bijector.forward(x, mode);
      x = step.value();
      logDet = logDet.add(step.logDet());
      if (step.mode() == LogDetMode.ESTIMATE) {
        used = LogDetMode.ESTIMATE;
      }
    }
    return new Transformed(x, logDet, used);
  }

  @Override
  public NDArray inverse(NDArray z) {
    for (int i = bijectors.size() - 1; i >= 0; i--) {
      z = bijectors.get(i).inverse(z);
    }
    return z;
  }

  @Override
  public NDArray initialize(NDArray x) {
    for (Bijector bijector : bijectors) {
      x = bijector.initialize(x);
    }
    return x;
  }

  /** The members' figures, summed per key. */
  @Override
  public Map<String, Double> figures() {
    Map<String, Double> sum = new LinkedHashMap<>();
    for (Bijector b : bijectors) {
      if (b instanceof Instrumented instrumented) {
        instrumented.figures().forEach((k, v) -> sum.merge(k, v, Double::sum));
      }
    }
    return sum;
  }

  /** The members' penalties summed; null when none has one. */
  @Override
  public NDArray penalty() {
    NDArray total = null;
    for (Bijector b : bijectors) {
      if (b instanceof Regularized regularized) {
        NDArray p = regularized.penalty();
        if (p != null) {
          total = total == null ? p : total.add(p);
        }
      }
    }
    return total;
  }

  /** The members, data → latent order. */
  public List<Bijector> bijectors() {
    return bijectors;
  }
}
