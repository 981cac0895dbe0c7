package org.flowlab.plugins.vi;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Map;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.nn.Scalars;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxTensor;

/**
 * One radial layer on vectors (d), latent → data: {@code f(z) = z + β·h(α, r)·(z − z₀)} with {@code
 * h = 1/(α + r)}, {@code r = ‖z − z₀‖}; log-det {@code (d − 1)·log(1 + βh) + log(1 + βh − βh²r)}.
 * {@code α = softplus(α')} and {@code β = −α + softplus(β')}, so {@code β ≥ −α} and f is invertible
 * (Rezende and Mohamed 2015, appendix A.2). Parameters {@code z0} (d), {@code alpha} and {@code
 * beta} (1, the unconstrained α' and β'), uniform on ±1/√d.
 */
final class RadialLayer extends SamplingOnlyLayer {
  private final int d;
  private final NDArray z0;
  private final NDArray alphaRaw;
  private final NDArray betaRaw;

  /**
   * @param scope where {@code z0}, {@code alpha} and {@code beta} are registered
   * @param d the vector dimension
   */
  RadialLayer(ParameterScope scope, int d) {
    super("radial");
    this.d = d;
    Initializer init = Initializer.uniform(1 / Math.sqrt(d));
    this.z0 = scope.trainable("z0", new Shape(d), init);
    this.alphaRaw = scope.trainable("alpha", new Shape(1), init);
    this.betaRaw = scope.trainable("beta", new Shape(1), init);
  }

  private NDArray alpha() {
    return Activation.softplus(alphaRaw);
  }

  private NDArray beta() {
    return Activation.softplus(betaRaw).sub(alpha());
  }

  @Override
  public Transformed sampleForward(NDArray z) {
    long n = z.getShape().get(0);
    NDArray alpha = alpha();
    NDArray beta = beta();
    NDArray diff = z.sub(z0.reshape(1, d));
    NDArray r = diff.square().sum(new int[] {1}, true).sqrt();
    NDArray h = r.onesLike().div(r.add(alpha));
    NDArray betaH = beta.mul(h);
    NDArray x = z.add(betaH.mul(diff));
    NDArray logDet =
        Scalars.mul(betaH.add(1).log(), d - 1)
            .add(betaH.add(1).sub(betaH.mul(h).mul(r)).log())
            .reshape(n);
    return new Transformed(x, logDet, LogDetMode.EXACT);
  }

  /** Emits {@code z + β/(α + ‖z − z₀‖)·(z − z₀)}, with α and β from the current weights. */
  @Override
  public OnnxTensor emitInverse(OnnxGraph graph, OnnxTensor z) {
    String center = graph.initializer("radial_z0", z0);
    String alpha = graph.initializer("radial_alpha", alpha());
    String beta = graph.initializer("radial_beta", beta());
    String diff = graph.sub(z.name(), center);
    String r = graph.op("Sqrt", List.of(graph.reduceSum(graph.square(diff), true, 1)), Map.of());
    String betaH = graph.div(beta, graph.add(r, alpha));
    return z.with(graph.add(z.name(), graph.mul(betaH, diff)));
  }
}
