package org.flowlab.api.bijector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.Map;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.Chain;
import org.flowlab.api.flow.Instrumented;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Regularized;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.nn.EagerOps;
import org.flowlab.api.onnx.OnnxBijector;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxTensor;
import org.flowlab.api.onnx.OnnxTransformed;
import org.flowlab.api.ops.OnnxOps;
import org.flowlab.api.ops.TensorOps;
import org.flowlab.api.ops.Traced;

/**
 * The factor-out of multi-scale flows (RealNVP, Glow): forward (data → latent) keeps the first
 * {@code kept} channels of an image {@code (c, h, w)} for the {@code inner} bijectors (the next
 * scales) and sends the other channels straight to the latent. The output is flat, {@code (c·h·w)}:
 * the inner latent, flattened, then the factored-out channels, flattened. The log-det is the inner
 * bijectors' sum. A learned prior for the factored-out half (Glow's split) is an affine coupling
 * placed before this step, conditioned on the kept channels.
 */
public final class FactorOut implements Bijector, Instrumented, Regularized, OnnxBijector {
  private final Shape eventShape;
  private final long kept;
  private final Chain inner;
  private final Shape innerLatentShape;

  /**
   * @param eventShape the input image shape {@code (c, h, w)}
   * @param kept channels passed on to {@code inner}, 1 ≤ kept &lt; c
   * @param inner the bijectors of the next scales, data → latent, acting on {@code (kept, h, w)}
   * @param innerLatentShape the shape of one output of {@code inner}
   */
  public FactorOut(Shape eventShape, long kept, Chain inner, Shape innerLatentShape) {
    if (eventShape.dimension() != 3 || kept < 1 || kept >= eventShape.get(0)) {
      throw new IllegalArgumentException(
          "factor-out keeps 1 to c−1 channels of an image (c, h, w), got "
              + kept
              + " of "
              + eventShape);
    }
    if (innerLatentShape.size() != kept * eventShape.get(1) * eventShape.get(2)) {
      throw new IllegalArgumentException(
          "inner latent " + innerLatentShape + " does not hold " + kept + " channels");
    }
    this.eventShape = eventShape;
    this.kept = kept;
    this.inner = inner;
    this.innerLatentShape = innerLatentShape;
  }

  /** The shape of one output: {@code (c·h·w)}. */
  public Shape outputShape() {
    return new Shape(eventShape.size());
  }

  @Override
  public Transformed forward(NDArray x, LogDetMode mode) {
    Transformed t = inner.forward(keptChannels(EagerOps.FLOAT32, x), mode);
    return new Transformed(joined(EagerOps.FLOAT32, t.value(), x), t.logDet(), t.mode());
  }

  @Override
  public NDArray inverse(NDArray z) {
    NDArray x = inner.inverse(innerLatent(EagerOps.FLOAT32, z));
    return image(EagerOps.FLOAT32, x, z);
  }

  /** Emits the inner chain on the kept channels and concatenates both halves, flattened. */
  @Override
  public OnnxTransformed emitForward(OnnxGraph graph, OnnxTensor x) {
    OnnxOps ops = new OnnxOps(graph);
    Traced in = Traced.of(x);
    OnnxTransformed t = inner.emitForward(graph, keptChannels(ops, in).tensor());
    return new OnnxTransformed(joined(ops, Traced.of(t.value()), in).tensor(), t.logDet());
  }

  /** Emits the inner chain's inverse on the first part of z and rebuilds the image. */
  @Override
  public OnnxTensor emitInverse(OnnxGraph graph, OnnxTensor z) {
    OnnxOps ops = new OnnxOps(graph);
    Traced latent = Traced.of(z);
    OnnxTensor x = inner.emitInverse(graph, innerLatent(ops, latent).tensor());
    return image(ops, Traced.of(x), latent).tensor();
  }

  @Override
  public NDArray initialize(NDArray x) {
    return joined(EagerOps.FLOAT32, inner.initialize(keptChannels(EagerOps.FLOAT32, x)), x);
  }

  /** The first {@code kept} channels of images x, for the inner chain. */
  private <T> T keptChannels(TensorOps<T> ops, T x) {
    return ops.slice(x, 1, 0, kept);
  }

  /** The inner latent, flattened, then x's factored-out channels, flattened: {@code (N, c·h·w)}. */
  private <T> T joined(TensorOps<T> ops, T innerLatent, T x) {
    long rest = eventShape.size() - innerLatentShape.size();
    T factored = ops.slice(x, 1, kept, eventShape.get(0));
    return ops.concat(
        ops.reshape(innerLatent, new Shape(-1, innerLatentShape.size())),
        ops.reshape(factored, new Shape(-1, rest)),
        1);
  }

  /** The first part of flat latents z, shaped as the inner chain's latent. */
  private <T> T innerLatent(TensorOps<T> ops, T z) {
    T part = ops.slice(z, 1, 0, innerLatentShape.size());
    return ops.reshape(part, new Shape(-1).addAll(innerLatentShape));
  }

  /** The image: x (the inner chain's inverse) then the factored-out channels read from z. */
  private <T> T image(TensorOps<T> ops, T x, T z) {
    T rest = ops.slice(z, 1, innerLatentShape.size(), eventShape.size());
    Shape channels = new Shape(-1, eventShape.get(0) - kept, eventShape.get(1), eventShape.get(2));
    return ops.concat(x, ops.reshape(rest, channels), 1);
  }

  @Override
  public Map<String, Double> figures() {
    return inner.figures();
  }

  @Override
  public NDArray penalty() {
    return inner.penalty();
  }
}
