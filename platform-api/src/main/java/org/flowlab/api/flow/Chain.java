package org.flowlab.api.flow;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.flowlab.api.onnx.OnnxBijector;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxTensor;
import org.flowlab.api.onnx.OnnxTransformed;
import org.flowlab.api.ops.OnnxOps;
import org.flowlab.api.ops.Traced;

/**
 * Bijectors composed in order: forward (data → latent) runs them first to last and sums their
 * log-dets; inverse and sampleForward (latent → data) run them last to first. The log-det is {@code
 * ESTIMATE} as soon as one member estimated its own. Figures and penalties of the members are
 * passed on, so a chain nested in another bijector (the next scales behind a {@link
 * org.flowlab.api.bijector.FactorOut}) still reports them. A context (conditional flows) is handed
 * to the members whose {@link Bijector#contextDim()} is positive; the others run their plain maps.
 */
public final class Chain implements Bijector, Instrumented, Regularized, OnnxBijector {
  private final List<Bijector> bijectors;

  /**
   * @param bijectors data → latent, in order
   */
  public Chain(List<Bijector> bijectors) {
    this.bijectors = List.copyOf(bijectors);
  }

  /** The largest context size of the members: 0 when none reads a context. */
  @Override
  public int contextDim() {
    int dim = 0;
    for (Bijector bijector : bijectors) {
      dim = Math.max(dim, bijector.contextDim());
    }
    return dim;
  }

  @Override
  public Transformed forward(NDArray x, LogDetMode mode) {
    return forward(x, null, mode);
  }

  /** Every member's forward map in order; the context goes to the members that read one. */
  @Override
  public Transformed forward(NDArray x, NDArray context, LogDetMode mode) {
    Contexts.refuseUnless(context == null || contextDim() > 0, this);
    NDArray logDet = x.getManager().zeros(new Shape(x.getShape().get(0)), x.getDataType());
    LogDetMode used = LogDetMode.EXACT;
    for (Bijector bijector : bijectors) {
      Transformed step =
          bijector.contextDim() > 0
              ? bijector.forward(x, context, mode)
              : bijector.forward(x, mode);
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
    return inverse(z, null);
  }

  /** Every member's inverse, last member first; the context goes to the members that read one. */
  @Override
  public NDArray inverse(NDArray z, NDArray context) {
    Contexts.refuseUnless(context == null || contextDim() > 0, this);
    for (int i = bijectors.size() - 1; i >= 0; i--) {
      Bijector bijector = bijectors.get(i);
      z = bijector.contextDim() > 0 ? bijector.inverse(z, context) : bijector.inverse(z);
    }
    return z;
  }

  /**
   * Latent → data: every member's {@link Bijector#sampleForward}, last member first, log-dets
   * summed.
   */
  @Override
  public Transformed sampleForward(NDArray z) {
    return sampleForward(z, null);
  }

  /** {@link #sampleForward(NDArray)} with the context handed to the members that read one. */
  @Override
  public Transformed sampleForward(NDArray z, NDArray context) {
    Contexts.refuseUnless(context == null || contextDim() > 0, this);
    NDArray logDet = z.getManager().zeros(new Shape(z.getShape().get(0)), z.getDataType());
    LogDetMode used = LogDetMode.EXACT;
    for (int i = bijectors.size() - 1; i >= 0; i--) {
      Bijector bijector = bijectors.get(i);
      Transformed step =
          bijector.contextDim() > 0
              ? bijector.sampleForward(z, context)
              : bijector.sampleForward(z);
      z = step.value();
      logDet = logDet.add(step.logDet());
      if (step.mode() == LogDetMode.ESTIMATE) {
        used = LogDetMode.ESTIMATE;
      }
    }
    return new Transformed(z, logDet, used);
  }

  @Override
  public NDArray initialize(NDArray x) {
    return initialize(x, null);
  }

  /**
   * Data-dependent initialisation given a context: members that read one run their forward map with
   * it, the others their own {@link Bijector#initialize}.
   */
  public NDArray initialize(NDArray x, NDArray context) {
    Contexts.refuseUnless(context == null || contextDim() > 0, this);
    for (Bijector bijector : bijectors) {
      x =
          bijector.contextDim() > 0
              ? bijector.forward(x, context, LogDetMode.EXACT).value()
              : bijector.initialize(x);
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

  /**
   * Emits every member's forward map in order and sums their log-dets; a member that cannot be
   * exported fails the export with its name.
   */
  @Override
  public OnnxTransformed emitForward(OnnxGraph graph, OnnxTensor x) {
    return emitForward(graph, x, null);
  }

  /**
   * {@link #emitForward(OnnxGraph, OnnxTensor)}, the context going to the members that read one.
   */
  @Override
  public OnnxTransformed emitForward(OnnxGraph graph, OnnxTensor x, OnnxTensor context) {
    OnnxOps ops = new OnnxOps(graph);
    Traced logDet = ops.zerosPerSample(Traced.of(x));
    for (Bijector bijector : bijectors) {
      OnnxTransformed step =
          bijector.contextDim() > 0
              ? OnnxBijector.forward(bijector, graph, x, context)
              : OnnxBijector.forward(bijector, graph, x);
      x = step.value();
      logDet = ops.add(logDet, Traced.perSample(step.logDet()));
    }
    return new OnnxTransformed(x, logDet.name());
  }

  /** Emits every member's inverse, last member first. */
  @Override
  public OnnxTensor emitInverse(OnnxGraph graph, OnnxTensor z) {
    return emitInverse(graph, z, null);
  }

  /**
   * {@link #emitInverse(OnnxGraph, OnnxTensor)}, the context going to the members that read one.
   */
  @Override
  public OnnxTensor emitInverse(OnnxGraph graph, OnnxTensor z, OnnxTensor context) {
    for (int i = bijectors.size() - 1; i >= 0; i--) {
      Bijector bijector = bijectors.get(i);
      z =
          bijector.contextDim() > 0
              ? OnnxBijector.inverse(bijector, graph, z, context)
              : OnnxBijector.inverse(bijector, graph, z);
    }
    return z;
  }

  /**
   * Emits every member's sampling direction ({@link OnnxBijector#emitSampleForward}), last member
   * first, their {@code log|det ∂x/∂z|} summed; the context goes to the members that read one.
   */
  @Override
  public OnnxTransformed emitSampleForward(OnnxGraph graph, OnnxTensor z, OnnxTensor context) {
    OnnxOps ops = new OnnxOps(graph);
    Traced logDet = ops.zerosPerSample(Traced.of(z));
    for (int i = bijectors.size() - 1; i >= 0; i--) {
      Bijector bijector = bijectors.get(i);
      OnnxTransformed step =
          OnnxBijector.sampleForward(
              bijector, graph, z, bijector.contextDim() > 0 ? context : null);
      z = step.value();
      logDet = ops.add(logDet, Traced.perSample(step.logDet()));
    }
    return new OnnxTransformed(z, logDet.name());
  }

  /** The members, data → latent order. */
  public List<Bijector> bijectors() {
    return bijectors;
  }
}
