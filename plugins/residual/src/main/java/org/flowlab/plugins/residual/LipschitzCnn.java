package org.flowlab.plugins.residual;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.flowlab.api.estimate.LinearOperator;
import org.flowlab.api.nn.Autocast;
import org.flowlab.api.nn.Initializer;
import org.flowlab.api.nn.Jvp;
import org.flowlab.api.nn.Layer;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.onnx.OnnxGraph;
import org.flowlab.api.onnx.OnnxLayer;
import org.flowlab.api.onnx.OnnxTensor;

/**
 * The network g of a residual block on images {@code (c, h, w)}: {@value #KERNEL}×{@value #KERNEL}
 * convolutions (stride 1, zero padding 1) with 1-Lipschitz activations between them, channel widths
 * {@code hidden} then back to c.
 *
 * <p>Lipschitz bound: each convolution is spectrally normalised as an operator on images of the
 * block's size ({@link ConvSpectralNorm}: power iteration with the convolution and its adjoint), so
 * Lip(conv) ≤ about c and Lip(g) ≤ c. (The simpler per-kernel-matrix bound, Lip(conv) ≤ k·‖W_{out ×
 * in·k·k}‖₂, holds too but is loose by up to a factor k, which left the blocks far weaker than c.)
 *
 * <p>Parameters (relative to the scope): {@code L.weight} (out, in, k, k), {@code L.bias} and the
 * power-iteration buffers {@code L.sn.u} (out·h·w), {@code L.sn.v} (in·h·w) for each layer L;
 * {@code act.L.beta} for LipSwish.
 */
final class LipschitzCnn implements LipschitzNet {
  /** The kernel size k. */
  static final int KERNEL = 3;

  private static final Shape STRIDE = new Shape(1, 1);
  private static final Shape PADDING = new Shape(KERNEL / 2, KERNEL / 2);

  private final List<NDArray> rawWeights = new ArrayList<>();
  private final List<NDArray> biases = new ArrayList<>();
  private final List<Shape> kernelShapes = new ArrayList<>();
  private final List<ConvSpectralNorm> norms = new ArrayList<>();
  private final List<Layer> activations = new ArrayList<>();
  private final Shape eventShape;
  private final Autocast autocast;

  /**
   * @param scope where the layers register their parameters
   * @param eventShape the image shape {@code (c, h, w)}
   * @param hidden the hidden channel widths
   * @param activation the nonlinearity's YAML name
   * @param coeff the block's Lipschitz bound c
   * @param powerIterations least power-iteration steps per training call
   */
  LipschitzCnn(
      ParameterScope scope,
      Shape eventShape,
      List<Integer> hidden,
      String activation,
      double coeff,
      int powerIterations) {
    this.eventShape = eventShape;
    this.autocast = scope.autocast();
    int channels = Math.toIntExact(eventShape.get(0));
    int width = channels;
    List<Integer> widths = new ArrayList<>(hidden);
    widths.add(channels);
    for (int l = 0; l < widths.size(); l++) {
      int out = widths.get(l);
      int fanIn = width * KERNEL * KERNEL;
      ParameterScope layer = scope.child(Integer.toString(l));
      Initializer init = Initializer.uniform(1.0 / Math.sqrt(fanIn));
      NDArray w = layer.trainable("weight", new Shape(out, width, KERNEL, KERNEL), init);
      rawWeights.add(w);
      biases.add(layer.trainable("bias", new Shape(out), init));
      kernelShapes.add(new Shape(out, width, KERNEL, KERNEL));
      norms.add(
          new ConvSpectralNorm(
              layer.child("sn"),
              w,
              eventShape.get(1),
              eventShape.get(2),
              coeff,
              powerIterations,
              1e-5));
      if (l < widths.size() - 1) {
        activations.add(LipschitzMlp.activation(scope, activation, l));
      }
      width = out;
    }
  }

  @Override
  public List<NDArray> weights(boolean update) {
    List<NDArray> out = new ArrayList<>(norms.size());
    for (int l = 0; l < norms.size(); l++) {
      out.add(norms.get(l).weight(update));
    }
    return out;
  }

  @Override
  public List<NDArray> rawWeights() {
    return rawWeights;
  }

  private NDArray conv(NDArray x, NDArray kernel, NDArray bias) {
    return autocast.conv2d(x, kernel, bias, STRIDE, PADDING);
  }

  @Override
  public NDArray forward(NDArray x, List<NDArray> weights) {
    for (int l = 0; l < weights.size(); l++) {
      x = conv(x, weights.get(l), biases.get(l));
      if (l < activations.size()) {
        x = activations.get(l).forward(x);
      }
    }
    return x;
  }

  @Override
  public Linearization linearize(NDArray x, List<NDArray> weights) {
    List<NDArray> slopes = new ArrayList<>(activations.size());
    for (int l = 0; l < weights.size(); l++) {
      x = conv(x, weights.get(l), biases.get(l));
      if (l < activations.size()) {
        Jvp step = LipschitzMlp.slope(activations.get(l), x);
        x = step.value();
        slopes.add(step.tangent());
      }
    }
    LinearOperator jacobian =
        v -> {
          for (int l = 0; l < weights.size(); l++) {
            v = conv(v, weights.get(l), null);
            if (l < slopes.size()) {
              v = v.mul(slopes.get(l));
            }
          }
          return v;
        };
    return new Linearization(x, jacobian);
  }

  /** Emits each Conv (kernel reshaped in the graph from the normalised matrix) and activation. */
  @Override
  public OnnxTensor emit(OnnxGraph graph, OnnxTensor x, List<NDArray> weights) {
    for (int l = 0; l < weights.size(); l++) {
      x = emitConv(graph, x, weights.get(l), l);
      if (l < activations.size()) {
        x = OnnxLayer.emit(activations.get(l), graph, x);
      }
    }
    return x;
  }

  /**
   * Emits g(x), keeping each activation's slope {@code (N, 1, c', h, w)}; the Jacobian folds the
   * tangents {@code (N, k, c, h, w)} into {@code N·k} images for each bias-free Conv.
   */
  @Override
  public OnnxLinearization emitLinearize(OnnxGraph graph, OnnxTensor x, List<NDArray> weights) {
    List<String> slopes = new ArrayList<>();
    List<String> kernels = new ArrayList<>();
    for (int l = 0; l < weights.size(); l++) {
      kernels.add(graph.initializer(name(l), weights.get(l)));
      x = emitConv(graph, x, weights.get(l), l);
      if (l < activations.size()) {
        slopes.add(LipschitzNet.emitSlope(graph, activations.get(l), x));
        x = OnnxLayer.emit(activations.get(l), graph, x);
      }
    }
    long h = eventShape.get(1);
    long w = eventShape.get(2);
    return new OnnxLinearization(
        x,
        t -> {
          long k = t.eventShape().get(0);
          String v = t.name();
          for (int l = 0; l < kernels.size(); l++) {
            Shape kernel = kernelShapes.get(l);
            String images = graph.reshape(v, -1, kernel.get(1), h, w);
            String conv = graph.conv(images, kernels.get(l), null, KERNEL, KERNEL / 2);
            v = graph.reshape(conv, -1, k, kernel.get(0), h, w);
            if (l < slopes.size()) {
              v = graph.mul(v, slopes.get(l));
            }
          }
          return t.with(v);
        });
  }

  private OnnxTensor emitConv(OnnxGraph graph, OnnxTensor x, NDArray kernel, int l) {
    String out =
        graph.conv(
            x.name(),
            graph.initializer(name(l), kernel),
            graph.initializer("bias", biases.get(l)),
            KERNEL,
            KERNEL / 2);
    return new OnnxTensor(
        out, new Shape(kernelShapes.get(l).get(0), eventShape.get(1), eventShape.get(2)));
  }

  private String name(int l) {
    String raw = rawWeights.get(l).getName();
    return (raw == null ? "weight" : raw) + ".kernel";
  }
}
