package org.flowlab.api.bijector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.Map;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.Chain;
import org.flowlab.api.flow.Instrumented;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Regularized;
import org.flowlab.api.flow.Transformed;

/**
 * The factor-out of multi-scale flows (RealNVP, Glow): forward (data → latent) keeps the first
 * {@code kept} channels of an image {@code (c, h, w)} for the {@code inner} bijectors (the next
 * scales) and sends the other channels straight to the latent. The output is flat, {@code (c·h·w)}:
 * the inner latent, flattened, then the factored-out channels, flattened. The log-det is the inner
 * bijectors' sum. A learned prior for the factored-out half (Glow's split) is an affine coupling
 * placed before this step, conditioned on the kept channels.
 */
public final class FactorOut implements Bijector, Instrumented, Regularized {
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
    long n = x.getShape().get(0);
    Transformed t = inner.forward(x.get(new NDIndex(":, :{}", kept)), mode);
    NDArray out =
        NDArrays.concat(
            new NDList(t.value().reshape(n, -1), x.get(new NDIndex(":, {}:", kept)).reshape(n, -1)),
            1);
    return new Transformed(out, t.logDet(), t.mode());
  }

  @Override
  public NDArray inverse(NDArray z) {
    long n = z.getShape().get(0);
    long innerSize = innerLatentShape.size();
    NDArray x =
        z.get(new NDIndex(":, :{}", innerSize)).reshape(new Shape(n).addAll(innerLatentShape));
    x = inner.inverse(x);
    NDArray rest =
        z.get(new NDIndex(":, {}:", innerSize))
            .reshape(n, eventShape.get(0) - kept, eventShape.get(1), eventShape.get(2));
    return NDArrays.concat(new NDList(x, rest), 1);
  }

  @Override
  public NDArray initialize(NDArray x) {
    long n = x.getShape().get(0);
    NDArray z = inner.initialize(x.get(new NDIndex(":, :{}", kept)));
    return NDArrays.concat(
        new NDList(z.reshape(n, -1), x.get(new NDIndex(":, {}:", kept)).reshape(n, -1)), 1);
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
