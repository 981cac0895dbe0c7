package org.flowlab.plugins.realnvp;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.Conv2d;
import org.flowlab.api.nn.Jvp;
import org.flowlab.api.nn.Layer;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxLayer;
import org.flowlab.api.onnx.OnnxTensor;

/**
 * The convolutional conditioner of the image couplings, on {@code (n, in, h, w)}: a 3×3 conv to
 * {@code channels} feature maps, {@code blocks} pre-activation residual blocks {@code h ← h +
 * conv(act(conv(act(h))))}, then act and a 3×3 conv to {@code out} maps that starts at zero (so a
 * coupling using it starts as the identity). All convs have stride 1 and same padding. No batch
 * norm inside: it would need train/eval modes (see {@link RealNvpConfig}).
 *
 * <p>Parameters (relative to the scope): {@code in.*}, {@code block.B.0.*}, {@code block.B.1.*},
 * {@code out.*}, each a weight and a bias.
 *
 * <p>Exportable to ONNX ({@link OnnxLayer}): the same convs, activations and residual sums.
 */
final class ResNet implements Layer, OnnxLayer {
  private final Conv2d in;
  private final List<Conv2d[]> blocks = new ArrayList<>();
  private final Conv2d out;
  private final Activation activation;

  /**
   * @param scope where the convs register their weights
   * @param inChannels input channels
   * @param channels feature maps inside
   * @param blocks number of residual blocks
   * @param outChannels output channels
   * @param activation nonlinearity
   */
  ResNet(
      ParameterScope scope,
      int inChannels,
      int channels,
      int blocks,
      int outChannels,
      Activation activation) {
    this.in = new Conv2d(scope.child("in"), inChannels, channels, 3, false);
    for (int b = 0; b < blocks; b++) {
      ParameterScope block = scope.child("block." + b);
      this.blocks.add(
          new Conv2d[] {
            new Conv2d(block.child("0"), channels, channels, 3, false),
            new Conv2d(block.child("1"), channels, channels, 3, false)
          });
    }
    this.out = new Conv2d(scope.child("out"), channels, outChannels, 3, true);
    this.activation = activation;
  }

  @Override
  public NDArray forward(NDArray x) {
    NDArray h = in.forward(x);
    for (Conv2d[] block : blocks) {
      NDArray r = block[0].forward(activation.forward(h));
      h = h.add(block[1].forward(activation.forward(r)));
    }
    return out.forward(activation.forward(h));
  }

  /** Emits the same convs, activations and residual additions as {@link #forward}. */
  @Override
  public OnnxTensor emit(OnnxGraph graph, OnnxTensor x) {
    OnnxTensor h = in.emit(graph, x);
    for (Conv2d[] block : blocks) {
      OnnxTensor r = block[0].emit(graph, activation.emit(graph, h));
      OnnxTensor r2 = block[1].emit(graph, activation.emit(graph, r));
      h = h.with(graph.add(h.name(), r2.name()));
    }
    return out.emit(graph, activation.emit(graph, h));
  }

  @Override
  public Jvp jvp(NDArray x, NDArray v) {
    Jvp h = in.jvp(x, v);
    for (Conv2d[] block : blocks) {
      Jvp r = chain(block[0], activation.jvp(h.value(), h.tangent()));
      r = chain(block[1], activation.jvp(r.value(), r.tangent()));
      h = new Jvp(h.value().add(r.value()), h.tangent().add(r.tangent()));
    }
    return chain(out, activation.jvp(h.value(), h.tangent()));
  }

  private static Jvp chain(Layer layer, Jvp previous) {
    return layer.jvp(previous.value(), previous.tangent());
  }
}
