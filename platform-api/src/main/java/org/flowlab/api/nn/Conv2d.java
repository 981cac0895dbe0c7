package org.flowlab.api.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxJvp;
import org.flowlab.api.onnx.OnnxJvpLayer;
import org.flowlab.api.onnx.OnnxLayer;
import org.flowlab.api.onnx.OnnxTensor;

/**
 * A 2D convolution with stride 1 and "same" zero padding on images {@code (n, c, h, w)}; weight
 * shape {@code (out, in, k, k)} with an odd kernel size k. Linear in x, so its JVP is the
 * convolution of the tangent without the bias. Computes in its scope's {@link Autocast} type and
 * returns float32.
 */
public final class Conv2d implements Layer, OnnxLayer, OnnxJvpLayer {
  private final NDArray weight;
  private final NDArray bias;
  private final Autocast autocast;
  private final Shape stride = new Shape(1, 1);
  private final Shape padding;

  /**
   * @param scope where the weight and bias are registered
   * @param in input channels
   * @param out output channels
   * @param kernel kernel size k (odd)
   * @param zeroInit start at zero (the last layer of a coupling network) instead of PyTorch's
   *     default, uniform on ±1/sqrt(in·k·k)
   */
  public Conv2d(ParameterScope scope, int in, int out, int kernel, boolean zeroInit) {
    if (kernel < 1 || kernel % 2 == 0) {
      throw new IllegalArgumentException("kernel size must be odd and positive, got " + kernel);
    }
    Initializer init =
        zeroInit ? Initializer.ZEROS : Initializer.uniform(1.0 / Math.sqrt(in * kernel * kernel));
    this.weight = scope.trainable("weight", new Shape(out, in, kernel, kernel), init);
    this.bias = scope.trainable("bias", new Shape(out), init);
    this.padding = new Shape(kernel / 2, kernel / 2);
    this.autocast = scope.autocast();
  }

  @Override
  public NDArray forward(NDArray x) {
    return autocast.conv2d(x, weight, bias, stride, padding);
  }

  @Override
  public Jvp jvp(NDArray x, NDArray v) {
    return new Jvp(forward(x), autocast.conv2d(v, weight, null, stride, padding));
  }

  /** Emits a Conv node: stride 1, the same zero padding. */
  @Override
  public OnnxTensor emit(OnnxGraph graph, OnnxTensor x) {
    Shape w = weight.getShape();
    String out =
        graph.conv(
            x.name(),
            graph.initializer("weight", weight),
            graph.initializer("bias", bias),
            (int) w.get(2),
            (int) padding.get(0));
    return new OnnxTensor(out, new Shape(w.get(0), x.eventShape().get(1), x.eventShape().get(2)));
  }

  /**
   * Emits the convolution and, for the tangents {@code (N, k, c, h, w)}, the convolution without
   * bias over the {@code N·k} tangent images.
   */
  @Override
  public OnnxJvp emitJvp(OnnxGraph graph, OnnxTensor x, OnnxTensor tangents) {
    OnnxTensor value = emit(graph, x);
    Shape t = tangents.eventShape();
    Shape image = t.slice(1);
    String flat = graph.reshape(tangents.name(), -1, image.get(0), image.get(1), image.get(2));
    Shape w = weight.getShape();
    String conv =
        graph.conv(
            flat, graph.initializer("weight", weight), null, (int) w.get(2), (int) padding.get(0));
    Shape out = new Shape(t.get(0)).addAll(value.eventShape());
    String shaped = graph.reshape(conv, -1, out.get(0), out.get(1), out.get(2), out.get(3));
    return new OnnxJvp(value, new OnnxTensor(shaped, out));
  }

  /** The weight, shape (out, in, k, k). */
  public NDArray weight() {
    return weight;
  }
}
