package org.flowlab.plugins.realnvp;

import java.util.ArrayList;
import java.util.List;
import org.flowlab.api.nn.Activation;
import org.flowlab.api.nn.Conv2d;
import org.flowlab.api.nn.DefinedLayer;
import org.flowlab.api.nn.EagerOps;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.ops.TensorOps;

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
 * <p>Written once over {@link TensorOps} ({@link DefinedLayer}): the forward pass, its JVP and the
 * ONNX emission run the same convs, activations and residual sums.
 */
final class ResNet implements DefinedLayer {
  private final Conv2d in;
  private final List<Conv2d[]> blocks = new ArrayList<>();
  private final Conv2d out;
  private final Activation activation;
  private final EagerOps eager;

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
    this.eager = EagerOps.of(scope.autocast());
  }

  @Override
  public <T> T apply(TensorOps<T> ops, T x) {
    T h = in.apply(ops, x);
    for (Conv2d[] block : blocks) {
      T r = block[0].apply(ops, activation.apply(ops, h));
      h = ops.add(h, block[1].apply(ops, activation.apply(ops, r)));
    }
    return out.apply(ops, activation.apply(ops, h));
  }

  @Override
  public EagerOps eager() {
    return eager;
  }
}
