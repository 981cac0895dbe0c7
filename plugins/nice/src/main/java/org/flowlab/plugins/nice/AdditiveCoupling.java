package org.flowlab.plugins.nice;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.LogDetMode;
import org.flowlab.api.flow.Transformed;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.Mlp;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.onnx.OnnxBijector;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxTensor;
import org.flowlab.api.onnx.OnnxTransformed;

/**
 * NICE's additive coupling on vectors (d). With the partition mask k (1 on x₁, the kept part, 0 on
 * x₂), forward (data → latent): {@code z = x + (1−k)⊙m(x⊙k)}, i.e. {@code z₁ = x₁, z₂ = x₂ +
 * m(x₁)}; the Jacobian is unit triangular, so the log-det is 0. Inverse: {@code x = z −
 * (1−k)⊙m(z⊙k)}, exact because {@code z⊙k = x⊙k}.
 *
 * <p>The coupling function m is an {@link Mlp}; when its last layer starts at zero, the coupling
 * starts as the identity. It reads the masked vector (zeros on x₂) and its outputs on x₁ are
 * dropped, so m depends on x₁ only and changes x₂ only, as in the paper.
 */
final class AdditiveCoupling implements Bijector, OnnxBijector {
  private final NDArray keep;
  private final NDArray change;
  private final Mlp net;

  /**
   * @param scope where {@code net.*} is registered
   * @param keep 1 for the dimensions of x₁ (passed unchanged, conditioning), 0 for x₂
   * @param hidden the MLP's hidden widths
   * @param activation the MLP's nonlinearity
   * @param identityInit whether the MLP's last layer starts at zero
   */
  AdditiveCoupling(
      ParameterScope scope,
      float[] keep,
      List<Integer> hidden,
      Activation activation,
      boolean identityInit) {
    int d = keep.length;
    float[] change = new float[d];
    for (int i = 0; i < d; i++) {
      change[i] = 1 - keep[i];
    }
    this.keep = scope.manager().create(keep, new Shape(1, d));
    this.change = scope.manager().create(change, new Shape(1, d));
    this.net = new Mlp(scope.child("net"), d, hidden, d, activation, identityInit);
  }

  @Override
  public Transformed forward(NDArray x, LogDetMode mode) {
    NDArray z = x.add(shift(x));
    NDArray logDet = x.getManager().zeros(new Shape(x.getShape().get(0)), x.getDataType());
    return new Transformed(z, logDet, LogDetMode.EXACT);
  }

  @Override
  public NDArray inverse(NDArray z) {
    return z.sub(shift(z));
  }

  /** Emits {@code z = x + (1−k)⊙m(x⊙k)}; the log-det is zero. */
  @Override
  public OnnxTransformed emitForward(OnnxGraph graph, OnnxTensor x) {
    return new OnnxTransformed(
        x.with(graph.add(x.name(), emitShift(graph, x))), graph.zerosPerSample(x));
  }

  /** Emits {@code x = z − (1−k)⊙m(z⊙k)}. */
  @Override
  public OnnxTensor emitInverse(OnnxGraph graph, OnnxTensor z) {
    return z.with(graph.sub(z.name(), emitShift(graph, z)));
  }

  /** Emits {@code (1−k)⊙m(x⊙k)} as {@link #shift} computes it. */
  private String emitShift(OnnxGraph graph, OnnxTensor x) {
    OnnxTensor masked = x.with(graph.mul(x.name(), graph.initializer("keep", keep)));
    return graph.mul(net.emit(graph, masked).name(), graph.initializer("change", change));
  }

  /** {@code (1−k)⊙m(x⊙k)}: zero on x₁. */
  private NDArray shift(NDArray x) {
    return net.forward(x.mul(keep)).mul(change);
  }
}
