package org.flowlab.plugins.vi;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxTensor;

/**
 * One planar layer on vectors (d), latent → data: {@code f(z) = z + û·tanh(wᵀz + b)}, log-det
 * {@code log|1 + (1 − tanh²(wᵀz + b))·wᵀû|} (the matrix determinant lemma). With the constraint,
 * {@code û = u + (m(wᵀu) − wᵀu)·w/‖w‖²} and {@code m(a) = −1 + softplus(a)}, so {@code wᵀû = m(wᵀu)
 * > −1} and f is invertible (Rezende and Mohamed 2015, appendix A.1); without it, {@code û = u}.
 * Parameters {@code w}, {@code u} (d) and {@code b} (1), uniform on ±1/√d.
 */
final class PlanarLayer extends SamplingOnlyLayer {
  private final int d;
  private final boolean constrained;
  private final NDArray w;
  private final NDArray u;
  private final NDArray b;

  /**
   * @param scope where {@code w}, {@code u} and {@code b} are registered
   * @param d the vector dimension
   * @param constrained whether {@code û} enforces {@code wᵀû ≥ −1}
   */
  PlanarLayer(ParameterScope scope, int d, boolean constrained) {
    super("planar");
    this.d = d;
    this.constrained = constrained;
    Initializer init = Initializer.uniform(1 / Math.sqrt(d));
    this.w = scope.trainable("w", new Shape(d), init);
    this.u = scope.trainable("u", new Shape(d), init);
    this.b = scope.trainable("b", new Shape(1), init);
  }

  /** The u the layer uses: constrained so that {@code wᵀû ≥ −1}, or u itself. */
  NDArray uHat() {
    if (!constrained) {
      return u;
    }
    NDArray wu = w.mul(u).sum();
    NDArray m = Activation.softplus(wu).sub(1);
    return u.add(w.mul(m.sub(wu).div(w.square().sum())));
  }

  @Override
  public Transformed sampleForward(NDArray z) {
    long n = z.getShape().get(0);
    NDArray uHat = uHat();
    NDArray h = z.matMul(w.reshape(d, 1)).add(b).tanh();
    NDArray x = z.add(h.mul(uHat.reshape(1, d)));
    NDArray slope = h.square().neg().add(1);
    NDArray logDet = slope.mul(w.mul(uHat).sum()).add(1).abs().log().reshape(n);
    return new Transformed(x, logDet, LogDetMode.EXACT);
  }

  /** Emits {@code z + û·tanh(z·w + b)}, with û computed from the current weights. */
  @Override
  public OnnxTensor emitInverse(OnnxGraph graph, OnnxTensor z) {
    String wColumn = graph.initializer("planar_w", w.reshape(d, 1));
    String uHat = graph.initializer("planar_u_hat", uHat());
    String bias = graph.initializer("planar_b", b);
    String h = graph.tanh(graph.add(graph.matMul(z.name(), wColumn), bias));
    return z.with(graph.add(z.name(), graph.mul(h, uHat)));
  }
}
