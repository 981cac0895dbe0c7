package org.flowlab.plugins.nice;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.flowlab.api.bijector.Partition;
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
 * NICE's additive coupling on vectors (d). The partition mask k (1 on x₁, the kept part, 0 on x₂)
 * divides the features ({@link Partition}); forward (data → latent): {@code z₁ = x₁, z₂ = x₂ +
 * m(x₁)}; the Jacobian is unit triangular, so the log-det is 0. Inverse: {@code x₂ = z₂ − m(z₁)},
 * exact because {@code z₁ = x₁}.
 *
 * <p>The coupling function m is an {@link Mlp} from x₁ to x₂'s size, as in the paper; when its last
 * layer starts at zero, the coupling starts as the identity.
 */
final class AdditiveCoupling implements Bijector, OnnxBijector {
  private final Partition partition;
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
    this.partition = new Partition(keep, scope.manager());
    this.net =
        new Mlp(
            scope.child("net"),
            partition.keptSize(),
            hidden,
            partition.changedSize(),
            activation,
            identityInit);
  }

  @Override
  public Transformed forward(NDArray x, LogDetMode mode) {
    NDList parts = partition.split(x);
    NDArray z = partition.join(parts.get(0), parts.get(1).add(net.forward(parts.get(0))));
    NDArray logDet = x.getManager().zeros(new Shape(x.getShape().get(0)), x.getDataType());
    return new Transformed(z, logDet, LogDetMode.EXACT);
  }

  @Override
  public NDArray inverse(NDArray z) {
    NDList parts = partition.split(z);
    return partition.join(parts.get(0), parts.get(1).sub(net.forward(parts.get(0))));
  }

  /** Emits {@code z₂ = x₂ + m(x₁)}; the log-det is zero. */
  @Override
  public OnnxTransformed emitForward(OnnxGraph graph, OnnxTensor x) {
    List<String> parts = partition.emitSplit(graph, x.name());
    String changed = graph.add(parts.get(1), emitShift(graph, parts.get(0)));
    return new OnnxTransformed(
        x.with(partition.emitJoin(graph, parts.get(0), changed)), graph.zerosPerSample(x));
  }

  /** Emits {@code x₂ = z₂ − m(z₁)}. */
  @Override
  public OnnxTensor emitInverse(OnnxGraph graph, OnnxTensor z) {
    List<String> parts = partition.emitSplit(graph, z.name());
    String changed = graph.sub(parts.get(1), emitShift(graph, parts.get(0)));
    return z.with(partition.emitJoin(graph, parts.get(0), changed));
  }

  /** Emits {@code m(x₁)}. */
  private String emitShift(OnnxGraph graph, String kept) {
    return net.emit(graph, new OnnxTensor(kept, new Shape(partition.keptSize()))).name();
  }
}
